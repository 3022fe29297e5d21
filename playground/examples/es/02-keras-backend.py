# title: El backend de Keras
# description: Código compatible con Keras (y trasladable a otras implementaciones), dentro de TensorFlow.

from tensorflow import keras

t = tf.constant([[1., 2., 3.], [4., 5., 6.]])
K = keras.backend
K.square(K.transpose(t)) + 10
