# title: Operaciones básicas con tensores
# description: Crear un tensor; ver su forma y su tipo; indexarlo; operaciones habituales.

t = tf.constant([[1., 2., 3.], [4., 5., 6.]])
t.shape
t.dtype
t[:, 1:]        # todas las filas, de la columna 1 en adelante
tf.constant(42) # un escalar se muestra en línea
# %%
t + 10
tf.square(t)
tf.sqrt(t)
tf.transpose(t)
t @ tf.transpose(t)  # producto de matrices
