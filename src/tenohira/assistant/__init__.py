"""The assistant: understanding Japanese, easy Japanese and English, and the dialogue."""
