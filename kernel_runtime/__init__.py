"""Code that runs inside kernel processes: the fork server, the worker, the REPL and renderers.

Mounted read-only into every kernel as one folder (kernels/sandbox.py) and imported there as
`kernel_runtime`, the same name the server and the tests use. It imports the standard library,
NumPy, TensorFlow, Keras and its own modules, never Django or the server's code. The server
imports only its standard-library parts: `protocol`, `files` (the file-name policy) and `hints`
(the sentences the page translates, and `compiling`, which they read lines with).
"""
