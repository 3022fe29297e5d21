"""Kernels: one sandboxed OS process per browser session, and the host-side code that runs them.

`runtime/` is the code that runs *inside* a kernel process (TensorFlow, NumPy, Keras, standard
library; never Django). Everything else in this package runs in the server and never imports
TensorFlow.
"""
