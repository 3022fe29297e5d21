# title: Variables
# description: Las mismas operaciones que las constantes, y además assign(), assign_add() y assign_sub().

v = tf.Variable([[1., 2., 3.], [4., 5., 6.]])
v.assign(2 * v)       # => [[2., 4., 6.], [8., 10., 12.]]
v[0, 1].assign(42)    # cambiar un elemento
v.assign_add(tf.ones_like(v))
v
