# title: NumPy y TensorFlow
# description: Convertir un ndarray en un tensor y viceversa. Ojo: NumPy usa float64 por defecto.

a = np.array([2., 4., 5.])
tf.constant(a)          # float64, como el array
t = tf.constant([[1., 2., 3.], [4., 5., 6.]])
t.numpy()               # de vuelta a NumPy
# %%
np.square(t)            # las funciones de NumPy aceptan tensores
tf.square(a)            # y TensorFlow acepta arrays
