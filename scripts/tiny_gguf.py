#!/usr/bin/env python3
"""Writes a tiny random-weight Llama GGUF with a byte-level tokenizer and a ChatML chat template.

It answers nonsense, but a real server (llama.cpp's llama-server) loads it and speaks its real protocol, which is
what scripts/check-llama-server.sh needs. Uses gguf-py from a llama.cpp checkout (PYTHONPATH) and numpy.
"""
import sys

import numpy as np
from gguf import GGUFWriter, GGMLQuantizationType, TokenType


def byte_to_unicode():
    # GPT-2's reversible byte <-> printable-unicode mapping
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def main(path):
    rng = np.random.default_rng(7)
    dim, hidden, layers, heads, kv_heads, ctx = 64, 172, 2, 4, 2, 2048
    b2u = byte_to_unicode()
    tokens = [b2u[b] for b in range(256)]
    merges = []
    for a, b in [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("i", "n"), ("a", "n")]:
        merges.append(f"{a} {b}")
        tokens.append(a + b)
    specials = ["<|im_start|>", "<|im_end|>", "<|endoftext|>"]
    types = [TokenType.NORMAL] * len(tokens) + [TokenType.CONTROL] * len(specials)
    tokens += specials
    vocab = len(tokens)

    w = GGUFWriter(path, "llama")
    w.add_name("muse-tiny-random")
    w.add_context_length(ctx)
    w.add_embedding_length(dim)
    w.add_block_count(layers)
    w.add_feed_forward_length(hidden)
    w.add_head_count(heads)
    w.add_head_count_kv(kv_heads)
    w.add_rope_dimension_count(dim // heads)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_rope_freq_base(10000.0)
    w.add_file_type(0)
    w.add_vocab_size(vocab)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("default")
    w.add_token_list(tokens)
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(vocab - 1)
    w.add_eos_token_id(vocab - 2)
    w.add_add_bos_token(False)
    w.add_chat_template(
        "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")

    def t(*shape):
        return (rng.standard_normal(shape) * 0.05).astype(np.float32)

    w.add_tensor("token_embd.weight", t(vocab, dim))
    for i in range(layers):
        w.add_tensor(f"blk.{i}.attn_norm.weight", np.ones(dim, dtype=np.float32))
        w.add_tensor(f"blk.{i}.attn_q.weight", t(dim, dim))
        w.add_tensor(f"blk.{i}.attn_k.weight", t(dim // heads * kv_heads, dim))
        w.add_tensor(f"blk.{i}.attn_v.weight", t(dim // heads * kv_heads, dim))
        w.add_tensor(f"blk.{i}.attn_output.weight", t(dim, dim))
        w.add_tensor(f"blk.{i}.ffn_norm.weight", np.ones(dim, dtype=np.float32))
        w.add_tensor(f"blk.{i}.ffn_gate.weight", t(hidden, dim))
        w.add_tensor(f"blk.{i}.ffn_up.weight", t(hidden, dim))
        w.add_tensor(f"blk.{i}.ffn_down.weight", t(dim, hidden))
    w.add_tensor("output_norm.weight", np.ones(dim, dtype=np.float32))
    w.add_tensor("output.weight", t(vocab, dim))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tiny-random.gguf")
