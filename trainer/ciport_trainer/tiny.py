"""An offline tiny base model: a small randomly initialised model of a named family, and a byte-level
BPE tokenizer trained in-process on the dataset. Both are saved like a hub model, so training,
reloading and generation go through AutoModelForCausalLM / AutoTokenizer exactly as for a real one.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable

from .errors import ConfigError

PAD, BOS, EOS, IM_START, IM_END = "<|pad|>", "<|endoftext|>", "<|im_end|>", "<|im_start|>", "<|im_end|>"
SPECIAL_TOKENS = [PAD, BOS, IM_START, IM_END]

# ChatML with {% generation %} markers around the assistant's answer, so TRL's
# assistant_only_loss can mask everything else.
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "{% if message['role'] == 'assistant' %}"
    "{{ '<|im_start|>assistant\n' }}"
    "{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}"
    "{{ '\n' }}"
    "{% else %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

HIDDEN = 64
LAYERS = 2
HEADS = 4
INTERMEDIATE = 128
VOCAB_SIZE = 1024
# Wider than the usual 0.02: a LoRA adapter on a randomly initialised model can only move the loss as
# far as the frozen embeddings and head let logits grow; at 0.02 they stay near uniform.
INIT_RANGE = 0.2
MARKER = "ciport-tiny.json"


def texts_of(records: Iterable[dict]) -> Iterable[str]:
    for record in records:
        for message in record.get("messages", []):
            content = message.get("content")
            if isinstance(content, str):
                yield content


def train_tokenizer(texts: Iterable[str], vocab_size: int = VOCAB_SIZE):
    """A byte-level BPE tokenizer (GPT-2 style) trained on TEXTS, as a transformers fast tokenizer."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(list(texts), trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=BOS,
        eos_token=EOS,
        pad_token=PAD,
        additional_special_tokens=[IM_START],
        model_max_length=1 << 20,
    )
    fast.chat_template = CHAT_TEMPLATE
    return fast


def model_config(family: str, tokenizer, max_positions: int):
    """A ~100k-parameter config of FAMILY sized to the tokenizer."""
    from transformers import GPTBigCodeConfig, LlamaConfig, Qwen2Config

    ids = dict(
        vocab_size=len(tokenizer),
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        initializer_range=INIT_RANGE,
    )
    if family == "llama":
        return LlamaConfig(
            hidden_size=HIDDEN, intermediate_size=INTERMEDIATE, num_hidden_layers=LAYERS,
            num_attention_heads=HEADS, num_key_value_heads=2, max_position_embeddings=max_positions,
            tie_word_embeddings=False, **ids,
        )
    if family == "qwen2":
        return Qwen2Config(
            hidden_size=HIDDEN, intermediate_size=INTERMEDIATE, num_hidden_layers=LAYERS,
            num_attention_heads=HEADS, num_key_value_heads=2, max_position_embeddings=max_positions,
            tie_word_embeddings=False, use_sliding_window=False, **ids,
        )
    if family == "gpt_bigcode":
        return GPTBigCodeConfig(
            n_embd=HIDDEN, n_inner=INTERMEDIATE, n_layer=LAYERS, n_head=HEADS,
            n_positions=max_positions, multi_query=True, **ids,
        )
    raise ConfigError(f"base_model: unknown tiny family '{family}'", field="base_model")


def build_tiny(family: str, records: list[dict], out_dir: str, *, seed: int, max_seq_length: int) -> str:
    """Builds the tiny model into OUT_DIR once; an existing complete one is reused (resume needs
    the very same weights and vocabulary). A file lock makes the ranks of a distributed launch build
    it once between them."""
    import fcntl

    os.makedirs(os.path.dirname(out_dir) or ".", exist_ok=True)
    with open(out_dir + ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _build_tiny_locked(family, records, out_dir, seed=seed, max_seq_length=max_seq_length)


def _build_tiny_locked(family: str, records: list[dict], out_dir: str, *, seed: int,
                       max_seq_length: int) -> str:
    marker = os.path.join(out_dir, MARKER)
    if os.path.exists(marker):
        with open(marker) as fh:
            if json.load(fh).get("family") == family:
                return out_dir
    import torch
    from transformers import AutoModelForCausalLM, GenerationConfig

    tokenizer = train_tokenizer(texts_of(records))
    config = model_config(family, tokenizer, max_positions=max(1024, max_seq_length))
    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_config(config)
    model.generation_config = GenerationConfig(
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    tmp = out_dir + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    with open(os.path.join(tmp, MARKER), "w") as fh:
        json.dump({"family": family, "seed": seed}, fh)
    shutil.rmtree(out_dir, ignore_errors=True)
    os.replace(tmp, out_dir)
    return out_dir
