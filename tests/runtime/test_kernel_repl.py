"""REPL semantics and structured results, with real TensorFlow in real kernel processes."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.slow


async def test_every_top_level_expression_sends_a_result_tagged_with_its_line(kernel):
    run = await kernel.run("t = tf.constant([[1., 2., 3.], [4., 5., 6.]])\nt.shape\n\nt.dtype\nt + 10\n")
    assert run.done["ok"] is True
    assert sorted(run.results) == [2, 4, 5]
    assert run.results[2]["kind"] == "shape" and run.results[2]["dims"] == [2, 3]
    assert run.results[4]["kind"] == "dtype" and run.results[4]["name"] == "float32"
    assert run.results[5]["values"] == [[11.0, 12.0, 13.0], [14.0, 15.0, 16.0]]


async def test_assignments_and_none_values_send_nothing(kernel):
    run = await kernel.run("x = 1\nprint('hi')\nNone\ny = [1, 2]\ny.append(3)\n")
    assert run.results == {}
    assert run.stdout == "hi\n"
    assert run.done["ok"] is True


async def test_a_multi_line_expression_reports_its_first_and_last_line(kernel):
    run = await kernel.run("a = 2\n(a +\n 40)\n")
    [result] = run.of("result")
    assert (result["lineno"], result["end_lineno"]) == (2, 3)
    assert result["value"]["repr"] == "42"


async def test_a_tensor_result_has_kind_shape_dtype_device_values_and_repr(kernel):
    value = (await kernel.run("tf.constant([[1., 2., 3.], [4., 5., 6.]])")).results[1]
    assert value["kind"] == "tensor"
    assert value["shape"] == [2, 3]
    assert value["dtype"] == "float32"
    assert value["device"] == "CPU:0"
    assert value["values"] == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    assert value["size"] == 6 and value["nbytes"] == 24
    assert value["stats"] == {"min": 1.0, "max": 6.0, "mean": 3.5, "nan": 0, "inf": 0}
    assert value["repr"].startswith("<tf.Tensor: shape=(2, 3), dtype=float32")


async def test_a_scalar_has_an_empty_shape_and_a_bare_value(kernel):
    value = (await kernel.run("tf.constant(42)")).results[1]
    assert value["shape"] == [] and value["dtype"] == "int32" and value["values"] == 42


async def test_float32_values_keep_their_short_decimal_form(kernel):
    value = (await kernel.run("tf.constant([0.1, 0.2])")).results[1]
    assert value["values"] == [0.1, 0.2]


async def test_non_finite_numbers_are_sent_as_strings_javascript_can_read(kernel):
    value = (await kernel.run("tf.constant([1., float('nan'), float('inf'), -float('inf')])")).results[1]
    assert value["values"] == [1.0, "NaN", "Infinity", "-Infinity"]
    assert value["stats"]["nan"] == 1 and value["stats"]["inf"] == 2


async def test_a_huge_tensor_is_summarised_head_and_tail_on_the_server(kernel):
    run = await kernel.run("big = tf.range(10**7, dtype=tf.int32)\nbig")
    value = run.results[2]
    assert value["truncated"] is True
    assert value["shape"] == [10**7] and value["size"] == 10**7
    assert value["values"] == [0, 1, 2, "...", 10**7 - 3, 10**7 - 2, 10**7 - 1]
    assert sum(len(m.get("text", "")) for m in run.messages) < 100_000


async def test_a_wide_matrix_is_summarised_along_both_axes(kernel):
    value = (await kernel.run("np.arange(10000).reshape(100, 100)")).results[1]
    assert value["kind"] == "ndarray"
    assert len(value["values"]) == 7 and value["values"][3] == "..."
    assert value["values"][0] == [0, 1, 2, "...", 97, 98, 99]


async def test_variables_report_name_and_trainable_and_follow_assign(kernel):
    run = await kernel.run("v = tf.Variable([[1., 2., 3.], [4., 5., 6.]])\nv.assign(2 * v)\nv[0, 1].assign(42)\nv")
    assert run.results[2]["kind"] == "variable"
    assert run.results[4]["values"] == [[2.0, 42.0, 6.0], [8.0, 10.0, 12.0]]
    assert run.results[4]["trainable"] is True


async def test_strings_and_booleans_render_as_json_values(kernel):
    run = await kernel.run("tf.constant(['a', 'b'])\nnp.array([True, False])")
    assert run.results[1]["values"] == ["a", "b"] and run.results[1]["dtype"] == "string"
    assert run.results[2]["values"] == [True, False] and run.results[2]["dtype"] == "bool"


async def test_a_keras_model_renders_its_summary(kernel):
    run = await kernel.run("m = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name='out')])\nm")
    value = run.results[2]
    assert value["kind"] == "model" and value["params"] == 8
    assert "out" in value["summary"]


async def test_other_values_fall_back_to_a_capped_repr(kernel):
    run = await kernel.run("'x' * 100_000\n{'a': 1}")
    assert run.results[1]["kind"] == "text" and len(run.results[1]["repr"]) < 21_000
    assert run.results[2]["repr"] == "{'a': 1}"


async def test_a_value_whose_repr_raises_still_renders(kernel):
    run = await kernel.run("class Bad:\n    def __repr__(self):\n        raise RuntimeError('no')\nBad()")
    assert "repr() failed" in run.results[4]["repr"]


async def test_code_that_does_not_parse_is_a_syntax_error_with_its_line(kernel):
    run = await kernel.run("x = 1\ny = (2 +\nprint(x)\nz = ]")
    assert run.error["ename"] == "SyntaxError"
    assert run.error["lineno"] in (2, 4)
    assert run.done["ok"] is False


async def test_execution_stops_at_the_first_exception_with_its_line_and_a_trimmed_traceback(kernel):
    code = "a = 1\ndef f(x):\n    return x / 0\nprint('before')\nf(a)\nprint('never')"
    run = await kernel.run(code)
    error = run.error
    assert error["ename"] == "ZeroDivisionError"
    assert error["lineno"] == 3  # the deepest line of this snippet
    assert [f["lineno"] for f in error["frames"]] == [5, 3]
    assert all("site-packages" not in line for line in error["traceback"])
    assert run.stdout == "before\n"


async def test_a_tensorflow_error_has_a_clean_message(kernel):
    run = await kernel.run("tf.constant(2.) + tf.constant(40)")
    assert run.error["ename"] == "InvalidArgumentError"
    assert run.error["evalue"].startswith("cannot compute AddV2")
    assert run.error["lineno"] == 1


async def test_the_namespace_persists_between_runs(kernel):
    await kernel.run("counter = 41")
    run = await kernel.run("counter + 1")
    assert run.results[1]["repr"] == "42"


async def test_print_output_streams_while_the_code_runs(kernel):
    request_id = await kernel.submit("import time\nfor i in range(3):\n    print('tick', i)\n    time.sleep(0.6)")
    first = None
    while first is None:
        message = await kernel.next_message()
        if message.get("id") == request_id and message["type"] == "stream":
            first = time.monotonic()
    run = await kernel.collect(request_id)
    finished = time.monotonic()
    assert finished - first > 0.9, "the first print arrived only at the end of the run"
    assert "tick 2" in run.stdout


async def test_output_from_native_code_and_subprocesses_is_captured(kernel):
    run = await kernel.run("import os\nos.system('echo from-a-child')\nos.write(2, b'raw stderr\\n')\nNone")
    assert "from-a-child" in run.stdout
    assert "raw stderr" in "".join(m["text"] for m in run.of("stream") if m["name"] == "stderr")


async def test_output_beyond_the_per_run_limit_is_discarded_with_a_notice(kernel):
    run = await kernel.run("for i in range(200_000):\n    print('x' * 20)")
    streamed = sum(len(m["text"]) for m in run.of("stream"))
    assert streamed < 1024 * 1024 + 1000
    assert any("PLAYGROUND_OUTPUT_BYTES_PER_RUN" in m["text"] for m in run.of("stream"))
    assert run.done["ok"] is True


async def test_snippets_without_definitions_leave_no_source_behind_but_functions_keep_theirs(kernel):
    await kernel.run("def boom():\n    return 1 / 0")
    for _ in range(3):
        await kernel.run("x = 1")
    run = await kernel.run("import linecache\nsum(1 for k in linecache.cache if k.startswith('<snippet-'))")
    assert run.results[2]["repr"] == "2"  # boom's snippet, and this one while it runs
    error = (await kernel.run("boom()")).error
    assert any(frame["line"] == "return 1 / 0" for frame in error["frames"])


async def test_a_new_kernel_shows_nothing_of_the_first_run_it_rehearsed_while_pooled(kernel):
    # Every pooled kernel runs a snippet through the whole path before it is handed out
    # (worker._warm_up); its names and its snippet number stay its own (its messages too: the
    # host takes a kernel whose first line is not `ready` for one that did not start).
    run = await kernel.run("sorted(n for n in globals() if not n.startswith('__'))\n1 / 0")
    names = ["bench_loss", "datasets", "keras", "np", "tf", "training_log"]
    assert run.results[1]["repr"] == repr(names)  # no `x`, no `_` from the rehearsal
    assert run.error["traceback"][0].startswith("Snippet 1, line 2")
