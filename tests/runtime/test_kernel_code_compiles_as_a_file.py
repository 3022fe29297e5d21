"""A run's code compiles exactly as a plain Python file would: the kernel's own
`from __future__ import annotations` never reaches it (kernel_runtime/compiling.py). Real
TensorFlow in real kernels, through each way user code gets compiled or called."""

from __future__ import annotations

import pytest

from tests.support import ask

pytestmark = pytest.mark.slow

# From TensorFlow's guide extension_type.ipynb: its fields are read from the class's annotations.
MASKED_TENSOR = """
class MaskedTensor(tf.experimental.ExtensionType):
    values: tf.Tensor
    mask: tf.Tensor

    def with_default(self, default):
        return tf.where(self.mask, self.values, default)

mt = MaskedTensor(values=tf.constant([1, 2, 3]), mask=tf.constant([True, False, True]))
"""


async def test_a_class_annotation_is_the_object_itself(kernel):
    run = await kernel.run("class P:\n    x: tf.Tensor\nP.__annotations__['x'] is tf.Tensor")
    assert run.error is None and run.results[3]["repr"] == "True"


async def test_the_extension_type_guides_masked_tensor_is_defined_and_used(kernel):
    run = await kernel.run(MASKED_TENSOR + "mt.with_default(0).numpy().tolist()")
    assert run.error is None, run.error
    assert run.results[max(run.results)]["repr"] == "[1, 0, 3]"
    traced = "@tf.function\ndef f(m: MaskedTensor):\n    return m.with_default(-1)\nf(mt).numpy().tolist()"
    assert (await kernel.run(traced)).results[4]["repr"] == "[1, -1, 3]"  # AutoGraph compiles it again


async def test_a_cell_compiles_as_a_file_too(kernel):
    code = "# %% a\nimport dataclasses\n# %% b\n@dataclasses.dataclass\nclass D:\n    n: int\n"
    code += "D.__annotations__['n'] is int"
    assert (await kernel.run(code)).results[7]["repr"] == "True"


async def test_the_users_own_future_import_still_postpones_annotations_for_the_session(kernel):
    run = await kernel.run("from __future__ import annotations\nclass P:\n    x: tf.Tensor\nP.__annotations__['x']")
    assert run.results[4]["repr"] == "'tf.Tensor'"
    assert (await kernel.run("def f(a: Undefined): pass\nf.__annotations__")).results[2]["repr"] == "{'a': 'Undefined'}"


async def test_a_late_future_import_is_a_syntax_error_on_its_line(kernel):
    run = await kernel.run("x = 1\nfrom __future__ import annotations")
    assert run.error["ename"] == "SyntaxError" and run.error["lineno"] == 2


async def test_the_loss_bench_traces_an_annotated_loss_with_its_real_annotations(kernel):
    code = """
def huber_fn(y_true: tf.Tensor, y_pred: tf.Tensor) -> tf.Tensor:
    error = y_true - y_pred
    return tf.where(tf.abs(error) < 1, tf.square(error) / 2, tf.abs(error) - 0.5)
report = bench_loss(huber_fn)
(report.ok, huber_fn.__annotations__['y_true'] is tf.Tensor)
"""
    run = await kernel.run(code)
    assert run.error is None and run.results[6]["repr"] == "(True, True)"


async def test_completion_answers_about_an_extension_type_without_compiling_anything(kernel):
    """The assistant reads live values through jedi, which runs no user code (the fast test
    test_only_compiling_py_compiles_or_evaluates_code_in_the_kernel_runtime keeps it so)."""
    await kernel.run(MASKED_TENSOR)
    answer = await ask(kernel, "complete", "mt.with_")
    assert [item["name"] for item in answer["items"]] == ["with_default"]
