"""The examples gallery: the lesson in ../shared/seed/, topic by topic, in Spanish and English.

Each example is ready to run in a fresh session (it defines everything it uses). Examples that
show an error on purpose say which (`expect_error`); tests/test_examples.py runs them all.
"""

from __future__ import annotations

from dataclasses import dataclass

LANGUAGES = ("en", "es")


@dataclass(frozen=True)
class Example:
    slug: str
    title: dict[str, str]
    description: dict[str, str]
    code: dict[str, str]
    expect_error: str | None = None

    def localised(self, language: str) -> dict:
        lang = (language or "").split("-")[0]
        lang = lang if lang in LANGUAGES else "en"
        return {
            "slug": self.slug,
            "title": self.title[lang],
            "description": self.description[lang],
            "code": self.code[lang],
        }


_HUBER = """def huber_fn(y_true, y_pred):
    error = y_true - y_pred
    is_small_error = tf.abs(error) < 1
    squared_loss = tf.square(error) / 2
    linear_loss = tf.abs(error) - 0.5
    return tf.where(is_small_error, squared_loss, linear_loss)
"""

_DATA = {
    "en": """# Synthetic data: y = 3x + 2 with noise and a few outliers (Huber is robust to them)
rng = np.random.default_rng(42)
X_train = rng.uniform(-2, 2, size=(1000, 1)).astype("float32")
y_train = 3 * X_train + 2 + rng.normal(0, 0.3, size=(1000, 1)).astype("float32")
y_train[::50] += 8
""",
    "es": """# Datos sintéticos: y = 3x + 2 con ruido y algunos valores atípicos (Huber los tolera)
rng = np.random.default_rng(42)
X_train = rng.uniform(-2, 2, size=(1000, 1)).astype("float32")
y_train = 3 * X_train + 2 + rng.normal(0, 0.3, size=(1000, 1)).astype("float32")
y_train[::50] += 8
""",
}

_MODEL = """model = keras.Sequential([
    keras.Input((1,)),
    keras.layers.Dense(16, activation="relu"),
    keras.layers.Dense(1),
])
"""

EXAMPLES: tuple[Example, ...] = (
    Example(
        slug="basics",
        title={"en": "Tensor basics", "es": "Operaciones básicas con tensores"},
        description={
            "en": "Create a tensor; read its shape and dtype; slice it; everyday operations.",
            "es": "Crear un tensor; ver su forma y su tipo; indexarlo; operaciones habituales.",
        },
        code={
            "en": """t = tf.constant([[1., 2., 3.], [4., 5., 6.]])
t.shape
t.dtype
t[:, 1:]        # every row, columns 1 onwards
tf.constant(42) # a scalar reads inline
t + 10
tf.square(t)
tf.sqrt(t)
tf.transpose(t)
t @ tf.transpose(t)  # matrix product
""",
            "es": """t = tf.constant([[1., 2., 3.], [4., 5., 6.]])
t.shape
t.dtype
t[:, 1:]        # todas las filas, de la columna 1 en adelante
tf.constant(42) # un escalar se muestra en línea
t + 10
tf.square(t)
tf.sqrt(t)
tf.transpose(t)
t @ tf.transpose(t)  # producto de matrices
""",
        },
    ),
    Example(
        slug="keras-backend",
        title={"en": "Keras backend", "es": "El backend de Keras"},
        description={
            "en": "Keras code that also runs on other Keras implementations, inside TensorFlow.",
            "es": "Código compatible con Keras (y trasladable a otras implementaciones), dentro de TensorFlow.",
        },
        code={
            "en": """from tensorflow import keras

t = tf.constant([[1., 2., 3.], [4., 5., 6.]])
K = keras.backend
K.square(K.transpose(t)) + 10
""",
            "es": """from tensorflow import keras

t = tf.constant([[1., 2., 3.], [4., 5., 6.]])
K = keras.backend
K.square(K.transpose(t)) + 10
""",
        },
    ),
    Example(
        slug="numpy",
        title={"en": "NumPy and TensorFlow", "es": "NumPy y TensorFlow"},
        description={
            "en": "Turn an ndarray into a tensor and back. Note NumPy's float64 default.",
            "es": "Convertir un ndarray en un tensor y viceversa. Ojo: NumPy usa float64 por defecto.",
        },
        code={
            "en": """a = np.array([2., 4., 5.])
tf.constant(a)          # float64, like the array
t = tf.constant([[1., 2., 3.], [4., 5., 6.]])
t.numpy()               # back to NumPy
np.square(t)            # NumPy functions accept tensors
tf.square(a)            # and TensorFlow accepts arrays
""",
            "es": """a = np.array([2., 4., 5.])
tf.constant(a)          # float64, como el array
t = tf.constant([[1., 2., 3.], [4., 5., 6.]])
t.numpy()               # de vuelta a NumPy
np.square(t)            # las funciones de NumPy aceptan tensores
tf.square(a)            # y TensorFlow acepta arrays
""",
        },
    ),
    Example(
        slug="types",
        title={"en": "Strict types and casting", "es": "Fuertemente tipado: cast"},
        description={
            "en": "Tensors of different dtypes do not mix: cast first. The last line fails on purpose.",
            "es": "No se pueden mezclar tensores de tipos distintos: hay que hacer cast. "
            "La última línea falla a propósito.",
        },
        code={
            "en": """t2 = tf.constant(40., dtype=tf.float64)
tf.constant(2.0) + tf.cast(t2, tf.float32)  # cast first: this works

# float32 + int32 is an error: see the hint under it
tf.constant(2.) + tf.constant(40)
""",
            "es": """t2 = tf.constant(40., dtype=tf.float64)
tf.constant(2.0) + tf.cast(t2, tf.float32)  # primero el cast: esto funciona

# float32 + int32 da error: mira la pista debajo
tf.constant(2.) + tf.constant(40)
""",
        },
        expect_error="InvalidArgumentError",
    ),
    Example(
        slug="variables",
        title={"en": "Variables", "es": "Variables"},
        description={
            "en": "Same operations as constants, plus assign(), assign_add() and assign_sub().",
            "es": "Las mismas operaciones que las constantes, y además assign(), assign_add() y assign_sub().",
        },
        code={
            "en": """v = tf.Variable([[1., 2., 3.], [4., 5., 6.]])
v.assign(2 * v)       # => [[2., 4., 6.], [8., 10., 12.]]
v[0, 1].assign(42)    # change one element
v.assign_add(tf.ones_like(v))
v
""",
            "es": """v = tf.Variable([[1., 2., 3.], [4., 5., 6.]])
v.assign(2 * v)       # => [[2., 4., 6.], [8., 10., 12.]]
v[0, 1].assign(42)    # cambiar un elemento
v.assign_add(tf.ones_like(v))
v
""",
        },
    ),
    Example(
        slug="huber",
        title={"en": "A custom loss: Huber", "es": "Función de coste propia: Huber"},
        description={
            "en": "Define huber_fn, compile a model with it and train: watch the loss curves.",
            "es": "Definir huber_fn, compilar un modelo con ella y entrenar: mira las curvas de pérdida.",
        },
        code={
            lang: _HUBER
            + "\n"
            + _DATA[lang]
            + "\n"
            + _MODEL
            + 'model.compile(loss=huber_fn, optimizer="nadam", metrics=["mae"])\n'
            + (
                "# [...] in the lesson stands for more arguments, such as these:\n"
                if lang == "en"
                else "# [...] en la lección indica más argumentos, como estos:\n"
            )
            + "history = model.fit(X_train, y_train, epochs=20, validation_split=0.2)\n"
            + 'history.history["val_loss"][-1]\n'
            for lang in LANGUAGES
        },
    ),
    Example(
        slug="save-load",
        title={"en": "Saving and loading a model", "es": "Guardar y cargar modelos"},
        description={
            "en": "Save a model that uses huber_fn; load it back with custom_objects.",
            "es": "Guardar un modelo que usa huber_fn y cargarlo con custom_objects.",
        },
        code={
            lang: _HUBER
            + "\n"
            + _DATA[lang]
            + _MODEL
            + 'model.compile(loss=huber_fn, optimizer="nadam")\n'
            + "model.fit(X_train, y_train, epochs=3)\n"
            + 'model.save("modelo.keras")\n\n'
            + (
                "# Without custom_objects Keras cannot find huber_fn (try it: the hint explains)\n"
                if lang == "en"
                else "# Sin custom_objects Keras no encuentra huber_fn (pruébalo: la pista lo explica)\n"
            )
            + 'model = keras.models.load_model("modelo.keras", custom_objects={"huber_fn": huber_fn})\n'
            + "model.predict(np.array([[0.5], [1.0]], dtype=np.float32))\n"
            for lang in LANGUAGES
        },
    ),
)


def for_language(language: str) -> list[dict]:
    return [example.localised(language) for example in EXAMPLES]
