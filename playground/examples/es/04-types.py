# title: Fuertemente tipado: cast
# description: No se pueden mezclar tensores de tipos distintos: hay que hacer cast. La última línea falla a propósito.
# expect_error: InvalidArgumentError

t2 = tf.constant(40., dtype=tf.float64)
tf.constant(2.0) + tf.cast(t2, tf.float32)  # primero el cast: esto funciona

# %%
# float32 + int32 da error: mira la pista debajo
tf.constant(2.) + tf.constant(40)
