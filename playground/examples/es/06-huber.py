# title: Función de coste propia: Huber
# description: Definir huber_fn, compilar un modelo con ella y entrenar: mira las curvas de pérdida.

def huber_fn(y_true, y_pred):
    error = y_true - y_pred
    is_small_error = tf.abs(error) < 1
    squared_loss = tf.square(error) / 2
    linear_loss = tf.abs(error) - 0.5
    return tf.where(is_small_error, squared_loss, linear_loss)

# %%
# Datos sintéticos: y = 3x + 2 con ruido y algunos valores atípicos (Huber los tolera)
rng = np.random.default_rng(42)
X_train = rng.uniform(-2, 2, size=(1000, 1)).astype("float32")
y_train = 3 * X_train + 2 + rng.normal(0, 0.3, size=(1000, 1)).astype("float32")
y_train[::50] += 8

# %%
model = keras.Sequential([
    keras.Input((1,)),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(1),
])
model.compile(loss=huber_fn, optimizer="nadam", metrics=["mae"])
# [...] en la lección indica más argumentos, como estos:
history = model.fit(X_train, y_train, epochs=20, validation_split=0.2)
history.history["val_loss"][-1]
