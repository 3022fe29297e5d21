"""Code that runs inside kernel processes only. Imported as the top-level package `runtime`
(see sandbox.py), so nothing here may import Django or the rest of `playground`."""
