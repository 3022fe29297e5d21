# title: Keras backend
# description: Keras code that also runs on other Keras implementations, inside TensorFlow.

from tensorflow import keras

t = tf.constant([[1., 2., 3.], [4., 5., 6.]])
K = keras.backend
K.square(K.transpose(t)) + 10
