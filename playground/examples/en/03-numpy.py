# title: NumPy and TensorFlow
# description: Turn an ndarray into a tensor and back. Note NumPy's float64 default.

a = np.array([2., 4., 5.])
tf.constant(a)          # float64, like the array
t = tf.constant([[1., 2., 3.], [4., 5., 6.]])
t.numpy()               # back to NumPy
# %%
np.square(t)            # NumPy functions accept tensors
tf.square(a)            # and TensorFlow accepts arrays
