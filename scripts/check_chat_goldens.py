# Cross-checks the chat-template goldens (made with @huggingface/jinja by scripts/gen_chat_goldens.mjs) against
# transformers' own renderer (Python jinja2, as apply_chat_template uses it). Run where transformers is
# installed (the GPU machine):  python3 scripts/check_chat_goldens.py [OUT_JSON]
# Prints one line per template and every mismatch; exits 1 if any case differs. With OUT_JSON it also writes
# transformers' render of every case ({"transformers": version, "renders": {template: {case: {"output"|"error"}}}}),
# committed as tests/data/golden/chat/transformers_renders.json: the golden tests hold chunkwise to it.
import glob, json, os, sys

import transformers

try:
    from transformers.utils.chat_template_utils import _compile_jinja_template as compile_template
except ImportError:  # older/newer layouts: fall back to the tokenizer's own method
    compile_template = None

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
results, renders, failures = {}, {}, 0
for golden in sorted(glob.glob(os.path.join(root, "tests/data/golden/chat/*.jsonl"))):
    name = os.path.basename(golden)[: -len(".jsonl")]
    source = open(os.path.join(root, "tests/data/chat_templates", name + ".jinja"), encoding="utf-8").read()
    template = compile_template(source)
    same = differ = 0
    renders[name] = {}
    for line in open(golden, encoding="utf-8"):
        case = json.loads(line)
        context = dict(case.get("extra", {}))
        context["messages"] = case["messages"]
        context["add_generation_prompt"] = case.get("add_generation_prompt", False)
        if case.get("tools") is not None:
            context["tools"] = case["tools"]
        try:
            rendered, error = template.render(**context), None
        except Exception as e:  # raise_exception() and template errors
            rendered, error = None, str(e)
        renders[name][case["case"]] = {"output": rendered} if error is None else {"error": error}
        if "output" in case:
            ok = rendered == case["output"]
        else:
            ok = error is not None  # the reference raised; transformers must raise too
        if ok:
            same += 1
        else:
            differ += 1
            failures += 1
            print(f"MISMATCH {name}/{case['case']}:\n  golden: {case.get('output', case.get('error'))!r}\n"
                  f"  transformers: {rendered if error is None else 'raised ' + error!r}")
    results[name] = {"same": same, "differ": differ}
    print(f"{name}: {same} same, {differ} differ")
print(f"transformers {transformers.__version__}: {failures} mismatches")
if len(sys.argv) > 1:
    json.dump({"transformers": transformers.__version__, "renders": renders}, open(sys.argv[1], "w", encoding="utf-8"),
              indent=1, ensure_ascii=False)
sys.exit(1 if failures else 0)
