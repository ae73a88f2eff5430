"""The fork server stands in for a fresh interpreter in every language: a run whose
interface language differs from the server's (whose help texts were translated when it
imported the program) is served by a fresh interpreter."""

from conftest import support


def test_a_korean_run_from_the_english_server_speaks_korean(tmp_path):
    english = support("--help", env={"SUPPORT_HOME": str(tmp_path)})
    korean = support("--help", env={"SUPPORT_HOME": str(tmp_path), "SUPPORT_LANG": "ko"})
    assert english.returncode == korean.returncode == 0
    assert "Show this message and exit." in english.stdout
    assert "Show this message and exit." not in korean.stdout
    assert any("\uac00" <= ch <= "\ud7a3" for ch in korean.stdout)
