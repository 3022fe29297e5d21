"""Kernels, the host side: one sandboxed OS process per browser session, and what runs them.

Sessions, the pool, admission, placement, the fork-server client, the sandbox, cgroups, uids,
GPU slices, the channel-layer bus and the `kernelhost` command. The code that runs *inside* a
kernel is the top-level `kernel_runtime` package; nothing here imports TensorFlow.
"""
