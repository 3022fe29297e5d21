# title: Tensor basics
# description: Create a tensor; read its shape and dtype; slice it; everyday operations.

t = tf.constant([[1., 2., 3.], [4., 5., 6.]])
t.shape
t.dtype
t[:, 1:]        # every row, columns 1 onwards
tf.constant(42) # a scalar reads inline
# %%
t + 10
tf.square(t)
tf.sqrt(t)
tf.transpose(t)
t @ tf.transpose(t)  # matrix product
