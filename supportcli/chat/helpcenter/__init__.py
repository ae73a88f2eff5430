"""Help centers: importing them (kb add/sync) and the index chats answer from."""
