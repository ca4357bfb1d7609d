"""Files that hold secrets: the data directory keeps CA private keys, API keys, TOTP secrets and password hashes,
so it is readable by its owner only — directories 0700, files 0600, whatever the process umask says.
Files are created with that mode (never briefly world-readable) and existing ones are tightened."""
from __future__ import annotations

import os
from pathlib import Path

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: Path) -> Path:
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=DIRECTORY_MODE)
    path.chmod(DIRECTORY_MODE)
    return path


def private_file(path: Path) -> Path:
    """`path` exists (empty if new) with mode 0600: for a file another library then writes (SQLite)."""
    path = Path(path)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
    path.chmod(FILE_MODE)
    return path


def write_private(path: Path, text: str) -> Path:
    path = private_file(path)
    path.write_text(text)
    return path
