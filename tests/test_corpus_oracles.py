"""Must-show checks of the translator against real oracles over the real corpus:
every GitHub starter workflow converts to GitLab CI that GitLab's JSON schema accepts, every GitLab
template converts to a workflow GitHub's schema accepts, and zizmor finds no template injection."""
import json
import pathlib
import subprocess

import pytest

from conftest import REPO, tool


def convert_dir(ciport: str, src: pathlib.Path, out: pathlib.Path, to: str) -> subprocess.CompletedProcess:
    return subprocess.run([ciport, "convert", str(src), "-o", str(out), "--to", to, "--report", "json"],
                          capture_output=True, text=True, timeout=600)


def yaml_files(root: pathlib.Path) -> list[pathlib.Path]:
    return sorted(p for p in root.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file())


def check_schema(schema: str, files: list[pathlib.Path]) -> subprocess.CompletedProcess:
    return subprocess.run([tool("check-jsonschema"), "--builtin-schema", schema, *map(str, files)],
                          capture_output=True, text=True, timeout=600)


@pytest.mark.parametrize("sub,to,schema", [
    ("github-starter-workflows", "gitlab", "vendor.gitlab-ci"),
    ("gitlab-templates", "github", "vendor.github-workflows"),
])
def test_every_corpus_file_converts_to_schema_valid_output(ciport, corpus, tmp_path, sub, to, schema):
    sources = yaml_files(corpus / sub)
    assert len(sources) > 40, f"too few files under {corpus / sub}"
    out = tmp_path / "out"
    r = convert_dir(ciport, corpus / sub, out, to)
    assert r.returncode == 0, f"conversion failed:\n{r.stderr[-4000:]}"
    outputs = yaml_files(out)
    assert len(outputs) == len(sources), f"{len(sources)} sources but {len(outputs)} outputs"
    for o in outputs:
        assert o.stat().st_size > 40, f"{o} is nearly empty"
    v = check_schema(schema, outputs)
    assert v.returncode == 0, f"check-jsonschema rejected outputs:\n{v.stdout[-6000:]}{v.stderr[-2000:]}"
    ledger = json.loads((out / "ciport.ledger.json").read_text())
    assert len(ledger["files"]) == len(sources)
    assert ledger["summary"]["total"] > 10 * len(sources)


def test_bundled_examples_convert_to_schema_valid_output(ciport, tmp_path):
    for sub, to, schema in (("github", "gitlab", "vendor.gitlab-ci"), ("gitlab", "github", "vendor.github-workflows")):
        out = tmp_path / sub
        r = convert_dir(ciport, REPO / "examples" / sub, out, to)
        assert r.returncode == 0, r.stderr
        outputs = yaml_files(out)
        assert outputs
        v = check_schema(schema, outputs)
        assert v.returncode == 0, v.stdout


def test_zizmor_finds_no_template_injection_in_converted_workflows(ciport, corpus, tmp_path):
    out = tmp_path / "wf"
    r = convert_dir(ciport, corpus / "gitlab-templates", out, "github")
    assert r.returncode == 0, r.stderr[-4000:]
    ex = tmp_path / "ex"
    assert convert_dir(ciport, REPO / "examples" / "gitlab", ex, "github").returncode == 0
    files = yaml_files(out) + yaml_files(ex)
    assert len(files) > 40
    z = subprocess.run([tool("zizmor"), "--offline", "--format", "json", "--no-progress", *map(str, files)],
                       capture_output=True, text=True, timeout=600)
    # zizmor exits non-zero when it has findings; the JSON on stdout is what we judge.
    assert z.stdout.strip().startswith("["), f"zizmor did not report JSON:\n{z.stderr[-3000:]}"
    findings = json.loads(z.stdout)
    injections = [f for f in findings if f.get("ident") == "template-injection"
                  and str(f.get("determinations", {}).get("severity", "")).lower() == "high"]
    assert not injections, json.dumps(injections[:3], indent=1)[:4000]
