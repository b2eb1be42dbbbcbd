#!/opt/ref/bin/python
"""Dev-only: how transformers 4.40.2 resolves the generation config of a model directory.

For each case, writes config.json / generation_config.json variants next to a tiny checkpoint,
loads it with VisionEncoderDecoderModel.from_pretrained and prints the GenerationConfig that
generate() would use (`_prepare_generation_config(None)`), as JSON. The Swift test
GenerationConfigTests embeds this output.

usage: scripts/dev/generation_config_reference.py TINY_MODEL_DIR
"""
import json
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

from transformers import VisionEncoderDecoderModel

warnings.simplefilter("ignore")
FIELDS = ["max_length", "max_new_tokens", "min_length", "min_new_tokens", "num_beams", "early_stopping",
          "length_penalty", "no_repeat_ngram_size", "repetition_penalty", "eos_token_id", "pad_token_id",
          "bos_token_id", "decoder_start_token_id"]


def case(src, name, top=None, drop_top=(), decoder=None, drop_decoder=(), gen=None):
    d = Path(tempfile.mkdtemp())
    shutil.copy(src / "model.safetensors", d)
    cfg = json.loads((src / "config.json").read_text())
    for k in drop_top:
        cfg.pop(k, None)
    cfg.update(top or {})
    for k in drop_decoder:
        cfg["decoder"].pop(k, None)
    cfg["decoder"].update(decoder or {})
    (d / "config.json").write_text(json.dumps(cfg))
    if gen is not None:
        (d / "generation_config.json").write_text(json.dumps(gen))
    m = VisionEncoderDecoderModel.from_pretrained(d)
    gc, _ = m._prepare_generation_config(None)
    out = {k: getattr(gc, k) for k in FIELDS}
    print(json.dumps({"case": name, "top": top or {}, "drop_top": list(drop_top), "decoder": decoder or {},
                      "drop_decoder": list(drop_decoder), "gen": gen, "resolved": out}))
    shutil.rmtree(d)


def main():
    src = Path(sys.argv[1])
    base = ["decoder_start_token_id", "pad_token_id", "eos_token_id"]
    case(src, "generation_config.json wins", top={"num_beams": 1}, gen={"max_length": 12, "num_beams": 3,
         "decoder_start_token_id": 95, "eos_token_id": 95})
    case(src, "from_model_config: decoder fills defaults", top={"num_beams": 3},
         decoder={"no_repeat_ngram_size": 2, "max_length": 30, "num_beams": 5})
    case(src, "from_model_config: GPT-2 bos/eos defaults", drop_top=base,
         drop_decoder=["bos_token_id", "eos_token_id"])
    case(src, "legacy _from_model_config with non-default top level", top={"num_beams": 2, "length_penalty": 0.7},
         gen={"_from_model_config": True, "max_length": 9, "num_beams": 4, "eos_token_id": 95,
              "decoder_start_token_id": 95})
    case(src, "legacy flag but top level all default", gen={"_from_model_config": True, "max_length": 9,
         "num_beams": 4, "eos_token_id": 95, "decoder_start_token_id": 95})
    case(src, "eos list, never, max_new_tokens", gen={"eos_token_id": [95, 3], "early_stopping": "never",
         "max_new_tokens": 6, "decoder_start_token_id": 95, "min_new_tokens": 2})


if __name__ == "__main__":
    main()
