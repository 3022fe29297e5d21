"""The session's scratch folder over HTTP: list, upload, download (docs/files.md).

The kernel's side of the same feature is kernel_runtime/files.py."""
