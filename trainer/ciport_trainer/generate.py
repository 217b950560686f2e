"""Batch generation from chat JSONL through base model + adapter: greedy or sampled."""

from __future__ import annotations

from dataclasses import dataclass

from .config import RunConfig
from .data import read_chat_jsonl
from .events import Emitter
from .model import load_model, load_tokenizer, trained_model_paths


@dataclass(frozen=True)
class SamplingParams:
    max_new_tokens: int = 256
    do_sample: bool = False
    temperature: float = 1.0
    top_p: float = 1.0
    seed: int = 0


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str  # "stop" (end of turn) or "length"


class Generator:
    """A loaded model and tokenizer that turn conversations into assistant replies."""

    def __init__(self, model, tokenizer):
        self.model = model.eval()
        self.tokenizer = tokenizer

    @classmethod
    def from_run(cls, cfg: RunConfig, model_dir: str | None = None) -> "Generator":
        base, adapter = trained_model_paths(cfg, model_dir)
        tokenizer = load_tokenizer(adapter or base)
        return cls(load_model(base, cfg, adapter_path=adapter), tokenizer)

    def complete(self, conversations: list[list[dict]], params: SamplingParams) -> list[Completion]:
        import torch

        tok = self.tokenizer
        prompts = [
            tok.apply_chat_template(_prompt_messages(m), add_generation_prompt=True, tokenize=False)
            for m in conversations
        ]
        side = tok.padding_side
        tok.padding_side = "left"  # decoder-only models continue from the right edge
        try:
            batch = tok(prompts, return_tensors="pt", padding=True, add_special_tokens=False)
        finally:
            tok.padding_side = side
        device = next(self.model.parameters()).device
        batch = {k: v.to(device) for k, v in batch.items()}
        kwargs = dict(max_new_tokens=params.max_new_tokens, do_sample=params.do_sample,
                      pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
        if params.do_sample:
            kwargs.update(temperature=params.temperature, top_p=params.top_p)
            torch.manual_seed(params.seed)
        else:
            kwargs.update(temperature=None, top_p=None, top_k=None)
        with torch.inference_mode():
            out = self.model.generate(**batch, **kwargs)
        width = batch["input_ids"].shape[1]
        results = []
        for row, mask in zip(out, batch["attention_mask"]):
            new = row[width:].tolist()
            finish = "length"
            if tok.eos_token_id in new:
                new = new[: new.index(tok.eos_token_id)]
                finish = "stop"
            while new and new[-1] == tok.pad_token_id:
                new.pop()
            results.append(Completion(
                text=tok.decode(new, skip_special_tokens=True),
                prompt_tokens=int(mask.sum()),
                completion_tokens=len(new),
                finish_reason=finish,
            ))
        return results


def _prompt_messages(messages: list[dict]) -> list[dict]:
    """Everything before the final assistant answer (which is the reference, when present)."""
    if messages and messages[-1]["role"] == "assistant":
        return messages[:-1]
    return messages


def generate(cfg: RunConfig, emitter: Emitter, input_path: str, params: SamplingParams, *,
             model_dir: str | None = None, batch_size: int = 8) -> dict:
    """Emits one `generation` event per input record, in input order; returns the `done` fields."""
    records = read_chat_jsonl(input_path, field="input", need_assistant=False, keep_id=True)
    generator = Generator.from_run(cfg, model_dir)
    emitter.emit("start", input=input_path, records=len(records), **params.__dict__)
    total = 0
    for start in range(0, len(records), batch_size):
        chunk = records[start:start + batch_size]
        for i, (rec, c) in enumerate(zip(chunk, generator.complete([r["messages"] for r in chunk], params))):
            total += c.completion_tokens
            emitter.emit("generation", index=start + i, id=rec.get("id"), text=c.text,
                         prompt_tokens=c.prompt_tokens, completion_tokens=c.completion_tokens,
                         finish_reason=c.finish_reason)
    return {"records": len(records), "completion_tokens": total}
