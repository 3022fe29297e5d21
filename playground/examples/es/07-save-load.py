# title: Guardar y cargar modelos
# description: Guardar un modelo que usa huber_fn y cargarlo con custom_objects.

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
model = keras.Sequential([
    keras.Input((1,)),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(1),
])
model.compile(loss=huber_fn, optimizer="nadam")
model.fit(X_train, y_train, epochs=3)
model.save("modelo.keras")

# %%
# Sin custom_objects Keras no encuentra huber_fn (pruébalo: la pista lo explica)
model = keras.models.load_model("modelo.keras", custom_objects={"huber_fn": huber_fn})
model.predict(np.array([[0.5], [1.0]], dtype=np.float32))
