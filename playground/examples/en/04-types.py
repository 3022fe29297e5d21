# title: Strict types and casting
# description: Tensors of different dtypes do not mix: cast first. The last line fails on purpose.
# expect_error: InvalidArgumentError

t2 = tf.constant(40., dtype=tf.float64)
tf.constant(2.0) + tf.cast(t2, tf.float32)  # cast first: this works

# %%
# float32 + int32 is an error: see the hint under it
tf.constant(2.) + tf.constant(40)
