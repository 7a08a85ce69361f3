"""Every registered task's trials, bit for bit: sha256 digests of a seeded train batch and of the
seeded test set (inputs, targets, mask, epoch boundaries, condition labels) against digests
recorded from the code as it was before the task modules were split (session 7).

A failure means a task now generates different trials from the same seed and parameters: a
change of behaviour, which also changes every stored network trained on it. When such a change
is intended, regenerate the table with ``python tests/test_task_trials_regression.py`` (it
prints ``EXPECTED``) and say why in the commit. The digests were recorded with torch 2.13.0+cpu
on x86-64 (the same with 1 and 2 OpenMP threads); a torch upgrade may change the CPU
generator's streams or its float maths, and so these digests, without any change here.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pytest
import torch

from dynsim import tasks

N_TRAIN = 16
TRAIN_SEED = 1234
TEST_SEED = 7
FIELDS = ("inputs", "targets", "mask", "epochs", "conditions")

# Parameter sets per task: the defaults for every task, plus the branches the defaults leave
# out (the Yang family's sin/cos code with noise on every input; the flip-flop's input noise).
VARIANTS: dict[str, dict[str, Any]] = {"default": {}}
EXTRA: dict[str, dict[str, dict[str, Any]]] = {
    **{
        name: {"sincos_noiseall": {"encoding": "sincos", "input_noise": "all"}}
        for name in tasks.YANG_TASKS
    },
    "flipflop": {"noisy": {"sigma": 0.2}},
}

# The registry as configs name it: task name → class name.
REGISTRY = {
    "anti_gonogo": "AntiGoNoGo",
    "anti_gonogo_delay": "DelayedAntiGoNoGo",
    "anti_pdm": "AntiPerceptualDecisionMaking",
    "anti_pdm_delay": "DelayedAntiPerceptualDecisionMaking",
    "cdi": "ContextDependentIntegration",
    "ctx_int_mod1": "ContextIntModality1",
    "ctx_int_mod2": "ContextIntModality2",
    "delay_anti": "DelayAnti",
    "delay_pro": "DelayPro",
    "flipflop": "FlipFlop",
    "gonogo": "GoNoGoBasic",
    "gonogo_delay": "DelayedGoNoGo",
    "integration_mod1": "IntegrationModality1",
    "integration_mod2": "IntegrationModality2",
    "integration_multimodal": "IntegrationMultimodal",
    "memory_anti": "MemoryAnti",
    "memory_pro": "MemoryPro",
    "memorypro_analog": "MemoryProAnalog",
    "pdm": "PerceptualDecisionMaking",
    "pdm_delay": "DelayedPerceptualDecisionMaking",
    "react_anti": "ReactAnti",
    "react_category_anti": "ReactCategoryAnti",
    "react_category_pro": "ReactCategoryPro",
    "react_match2sample": "ReactMatch2Sample",
    "react_nonmatch2sample": "ReactNonMatch2Sample",
    "react_pro": "ReactPro",
}


def cases() -> list[tuple[str, str, dict[str, Any]]]:
    """(task, variant, parameters) for every registered task and its extra variants."""
    out = []
    for name in tasks.available():
        for variant, params in {**VARIANTS, **EXTRA.get(name, {})}.items():
            out.append((name, variant, params))
    return out


def _array_digest(h: Any, array: np.ndarray) -> None:
    """Feed dtype, shape and bytes (object arrays: their repr) into ``h``."""
    h.update(f"{array.dtype}|{array.shape}|".encode())
    if array.dtype == object:
        h.update(repr(array.tolist()).encode())
    else:
        h.update(np.ascontiguousarray(array).tobytes())


def digests(batch: tasks.TrialBatch) -> tuple[str, ...]:
    """sha256 (hex) of each of :data:`FIELDS` of ``batch``, in that order."""
    out = []
    for field in FIELDS:
        h = hashlib.sha256()
        if field in ("inputs", "targets", "mask"):
            _array_digest(h, getattr(batch, field).detach().cpu().numpy())
        else:
            for key, value in getattr(batch, field).items():  # insertion order counts too
                h.update(key.encode() + b"|")
                for array in value if field == "epochs" else (value,):
                    _array_digest(h, np.asarray(array))
        out.append(h.hexdigest())
    return tuple(out)


def batches(name: str, params: dict[str, Any]) -> dict[str, tasks.TrialBatch]:
    task = tasks.get(name, **params)
    return {
        "train": task.generate(
            N_TRAIN, mode="train", generator=torch.Generator().manual_seed(TRAIN_SEED)
        ),
        "test": task.test_batch(n_repeats=1, seed=TEST_SEED),
    }


def test_every_registered_task_is_covered():
    assert {name for name, _, _ in cases()} == set(tasks.TASKS)
    assert {key.split("/")[0] for key in EXPECTED} == set(tasks.TASKS)
    assert len(EXPECTED) == 2 * len(cases())


def test_registry_is_unchanged():
    assert {name: cls.__name__ for name, cls in tasks.TASKS.items()} == REGISTRY
    assert tasks.YANG_TASKS[0] == "delay_pro" and tasks.YANG_TASKS[-1] == "react_category_anti"
    assert len(tasks.YANG_TASKS) == 15 and set(tasks.YANG_TASKS) <= set(REGISTRY)


@pytest.mark.parametrize(
    ("name", "variant", "params"), cases(), ids=[f"{n}-{v}" for n, v, _ in cases()]
)
def test_trials_bit_for_bit(name: str, variant: str, params: dict[str, Any]):
    for mode, batch in batches(name, params).items():
        expected = EXPECTED[f"{name}/{variant}/{mode}"]
        got = digests(batch)
        changed = [f for f, a, b in zip(FIELDS, got, expected, strict=True) if a != b]
        assert not changed, f"{name} ({variant}, {mode}) changed: {changed}"


def _table() -> str:
    lines = ["EXPECTED: dict[str, tuple[str, ...]] = {"]
    for name, variant, params in cases():
        for mode, batch in batches(name, params).items():
            lines.append(f'    "{name}/{variant}/{mode}": (')
            lines += [f'        "{d}",' for d in digests(batch)]
            lines.append("    ),")
    lines.append("}")
    return "\n".join(lines)


# fmt: off
EXPECTED: dict[str, tuple[str, ...]] = {
    "anti_gonogo/default/train": (
        "11e8b1a63f9c838c57746abe26983603c102651cccb9c403e57f0ed56fb75344",
        "313f79ffb7890077bde16cf495576723e91a24523cf9e904a91c93ec5a41c2c6",
        "83fce46a803d5899b148721a73e61bf1c254c2bde1db9574b9d75eea4e8ef127",
        "b666d76737fc8ed4677ab266eefb5d4d8ef3adb9f02751352694174f1c02cd42",
        "bbdcc0f6e95f36f580f9e730e26d67d2ea7ce674f5bcf4ed795185fcc48785d2",
    ),
    "anti_gonogo/default/test": (
        "0ce391be5e950190b3d12dcd59f3caf5272968f57f4b9809dc1ac4ba63f5a5f0",
        "d7eb802e0b6003c3c6090acde0bdd6e8ec8d96ccb3a44783f712513ae898d0f1",
        "2651c0600cef1efc607e525d954e7c0d84a94029cbfe4b9443af321d15b7dd1c",
        "c9e039087a60880c6cc71ba7759d0df1b2c8dbbe9c32923aa68be2977881d46f",
        "16c41126d3a7f9482c365ec291344e4ed23a740a1d508458af4cf14a2c7da151",
    ),
    "anti_gonogo_delay/default/train": (
        "6addef35fa90b87f2dc5d3495008c3f77bc233cd3966a244601c1497bc1286df",
        "b7d2f69d129399d5543fd3d67daf5e4f4e33dde81d11ee5118933ed19ac94104",
        "2bcff0d138269b963406f1ec4580a01c9719bc6411df42ba68e8080a5e898419",
        "b3a8a5464a92d96ebae42c285f77be8aba73d6a3b941b29989bbc6f3ad4ccc7e",
        "7b17faeb1e48399bd28140ca1120374a5938fe8282864b5cea025abdbaf74664",
    ),
    "anti_gonogo_delay/default/test": (
        "313abd26a311e8435626bd460bcf1b1132493fb338d69d7fa61bd125d788529a",
        "f68f72f4c269150df4067fd7d5c6f3233fa062ad2221ca904f8a8103d2787746",
        "3636c0d7cb06271fd661bff4d8fa2445066ab9de5d0515ac3893a0c80db49397",
        "ae4b8e03d24db3b99382c79b6c7a8f6ea054e138bc6c4e8745d9af1e25127f9c",
        "df3bc2538c3f8551715f45ccd194e06271d8aa2043754e1206a01fcab48a474b",
    ),
    "anti_pdm/default/train": (
        "87f72e51c5c9383ec190c17145cb6225f2191e0bc9826cab549297090dd77ba9",
        "19e6f715f128cb0cc734925e9c2133ce06e11ea81ce5102fc715015bcd702af8",
        "b7fdbe20fcb307a0febf7bdcc8faba93133a7029a78b69215534b9bcb1df2578",
        "ddd1a6c25e0153a67f336a02221d56a637e772bfa9370ff89830779d3136693f",
        "e7883cba07201e306cb33910be8a13c540b4afb4ef13405f46183cddadade712",
    ),
    "anti_pdm/default/test": (
        "21343c72ebfe96f03b7a857371665f26ae6d8651ed272a482b09f3beb3e66d34",
        "7e300c7ca421bf94e1228925bdbf8a1dd01ede3213b7b4e1cfd77e7a8a6ac815",
        "68bd6677d39625c2cc1f1cf8b71e29900d72bda56b60a24ab3019af7bbbb0807",
        "d92017e342594a397175f6a44083cf523036d9315be8fa3081127acd639e1028",
        "13a7dcb7c838c6f55b81f851c5afa134d967f516b7ba58e7992f5d36050c4eb2",
    ),
    "anti_pdm_delay/default/train": (
        "4821fd6c6f88584b1ba808e09ea9446b80ec97a170ee62eb6749b270bc1cffce",
        "de513df5fa229143a4945c1dd5b253955a1209e56badaa37f72b60eeb94dd647",
        "8b3060cc586df7abbea979e2f60bad059a7d7ccbbef4fa0e0aba55e115f11eb8",
        "bc0bc6b3b5d9fd0054442a910815e9593fdb4aa111feea9e331ad2ff653968b4",
        "4e5edfd553989e401dc3fab9c5ff138a122636af967b366bb724906b6afbb469",
    ),
    "anti_pdm_delay/default/test": (
        "219890e5a2de349a354e5d098711c7cbb3f7ab349bf2309bca7845374f5839f5",
        "84a6d06585191d181e44d8b034a03fc95c3c31e9aeae20bdc87d559748b0c931",
        "b80feb3b0907b5dd16fc79f1b31e7459d5f7b986519ac447c2b2cb9ab04be26f",
        "fbb7e2b28632b209a79da2671bb05155601842fa9b0cb5ce1504c282b45fce15",
        "8b27f3e03f7d709e164e6900b07e073e20d2e4daaf00a1be5ff6c0c23417eda5",
    ),
    "cdi/default/train": (
        "b096625d45163475b3e0abc3a5bd7af0f9bd700e05774b982034f7241fa422c7",
        "c1554a14bca0ef63ebf27af7bbfeaa5a44a5e2adfa3cffd8c948f6871e689018",
        "6ba5ac8ef9f1b70c52933f6c34c7391224225e2dba105988793fcfd36f7bc27d",
        "3050b36cf95a1651176bf26b871b6cb5316f6a5d8d0b650f05db8375a1f2e901",
        "0a37bd65ba54ced4e52673212459bbf295fd62e479e787e58dc333dc7ddb81ce",
    ),
    "cdi/default/test": (
        "86b538ebb04c16ee3bc8dcf66fe3e8928824f138246abaf8796215d4c113dc4c",
        "128db3534556baa7cddbd50d7ce578283c1d79f454ac5ce70d449de1f4c599ea",
        "03df7d106dcd12871ef1417125313a88b82f88afdaea2cea8107f731d9446ba4",
        "2d7d1d8bc2c333632a2f153ce550d9a8bdfc0e6ed14fa3fc24a94487570a2c4b",
        "5b55e5d68142e087ecd6a622a0729701c54e257e435268eb1f6d522e4172ff67",
    ),
    "ctx_int_mod1/default/train": (
        "2a4917b481c094f04abf9f6c900a5f146bdae3e02760106c1f12f4f43ac38f61",
        "b87b0a650b77e69eab6fd6491c934d8b0d5049c38b94d5e7e65dcefc0752199e",
        "6d6cacf193a13b1a313e51ee184eae34bccf4c5cdb6435e1e23d16690a005d1c",
        "418203159015b3c0b8161daf5aa8848474b87f081ada5a9fbefdffa0ba21dd1f",
        "09de2e28620bd0854a0b3a0f8e21b61cd7e64b8fc226ddd6d657c5bd2a309672",
    ),
    "ctx_int_mod1/default/test": (
        "01f69504fe5afa73c8ebd16dd97de505c47fa06c80aa8c713b57612911ff64e3",
        "d0bdd15a7ec47ff0c8041817049ecbb56c1c65a65a29bf9e7e58d65f1c0ae547",
        "74043e5556e7de3ac2bfbec44fb74c5076a88fa17f03e27577cb7b82820938d6",
        "473a96acc2f3a7feb25b9cc524d9cc2d1fc51376ccc5bdf3a7738523c9695d63",
        "84e9c8946d86876d5b922dd59f4241e08845dad75e63125f7d1974fc9c3b647d",
    ),
    "ctx_int_mod1/sincos_noiseall/train": (
        "d351ba56932568bd7a0f3c2d8c7f939d989b5bcbe737b244baca257a0acb78e0",
        "e248ac04446ef8d7f07742513516adbc09fefda308827de9bf5090cc5b5a4aff",
        "6d6cacf193a13b1a313e51ee184eae34bccf4c5cdb6435e1e23d16690a005d1c",
        "418203159015b3c0b8161daf5aa8848474b87f081ada5a9fbefdffa0ba21dd1f",
        "09de2e28620bd0854a0b3a0f8e21b61cd7e64b8fc226ddd6d657c5bd2a309672",
    ),
    "ctx_int_mod1/sincos_noiseall/test": (
        "03afbd2cef97573e722de4c7b9063f7a1087f0036cf23a11992cdc8a08978289",
        "c123de346331019a5a232e67fa9e95202e948b9f85ea028e7f75e79c56dc4bbf",
        "74043e5556e7de3ac2bfbec44fb74c5076a88fa17f03e27577cb7b82820938d6",
        "473a96acc2f3a7feb25b9cc524d9cc2d1fc51376ccc5bdf3a7738523c9695d63",
        "84e9c8946d86876d5b922dd59f4241e08845dad75e63125f7d1974fc9c3b647d",
    ),
    "ctx_int_mod2/default/train": (
        "51152d43542d6b5556b49d3b51d727c532bd3817839630902f09290d314dcbe5",
        "057c951c01dadddc86591ad2092170bda38d8558784d1b02de2cca4dff08646c",
        "6d6cacf193a13b1a313e51ee184eae34bccf4c5cdb6435e1e23d16690a005d1c",
        "418203159015b3c0b8161daf5aa8848474b87f081ada5a9fbefdffa0ba21dd1f",
        "9e912ea99d7f4b8bcdcf97b4bc3634c6aa3168e90773fcae155a247fcd7a3970",
    ),
    "ctx_int_mod2/default/test": (
        "8161ab4864780c410f3c00e25d929f668f1ce15f2fd21ad576b3361df18b1bcc",
        "56dade4beb701041709df0a1c666c07952a90fb2f0ca2d1113c924c69aa6cc46",
        "74043e5556e7de3ac2bfbec44fb74c5076a88fa17f03e27577cb7b82820938d6",
        "473a96acc2f3a7feb25b9cc524d9cc2d1fc51376ccc5bdf3a7738523c9695d63",
        "fb3ab749435f44e743dd40e5d150554ef8a6885a3864a031f77629283248e8ca",
    ),
    "ctx_int_mod2/sincos_noiseall/train": (
        "a82fc2460a6abf5cd9c6f61e5a969b97f8a22d816d2c120cc6a1cfdcd5591888",
        "bafa71092b13d117218e3acffa1c0a16a23824dba0519673fa8a7782ac028d97",
        "6d6cacf193a13b1a313e51ee184eae34bccf4c5cdb6435e1e23d16690a005d1c",
        "418203159015b3c0b8161daf5aa8848474b87f081ada5a9fbefdffa0ba21dd1f",
        "9e912ea99d7f4b8bcdcf97b4bc3634c6aa3168e90773fcae155a247fcd7a3970",
    ),
    "ctx_int_mod2/sincos_noiseall/test": (
        "4377feabad6c0c6516d78a6f211eceb20f8c82d26b9dfef8712b94ae3e6ce8eb",
        "570ee5f1b54b0a895222dec39f3647661c5024412bfad28c16df4c8cce0eb8bc",
        "74043e5556e7de3ac2bfbec44fb74c5076a88fa17f03e27577cb7b82820938d6",
        "473a96acc2f3a7feb25b9cc524d9cc2d1fc51376ccc5bdf3a7738523c9695d63",
        "fb3ab749435f44e743dd40e5d150554ef8a6885a3864a031f77629283248e8ca",
    ),
    "delay_anti/default/train": (
        "b47510a274d398800d74892578c1d89e4fcc31daaa0f192d91706123600c67e6",
        "dd17003fc4c9c85dd2c27707d22e45041fa045ee1d8919a9b1f51aada4cfce71",
        "581086a6b1e6696fb087dfe753b3eb9d6d3afc34f33b97f3f5558ab444b63cd2",
        "3ed1005a22ef7afe5807d79c8d88ac19c513d3457dbf90dc906ab7b87b346a30",
        "e5791e01afb90da44446ee47a9cecbbecab3f73977f93a81cc92c5db13ef24b8",
    ),
    "delay_anti/default/test": (
        "1adbda88771b477321a18125747608e906580f3a0171b7889b7d8858cd9710a3",
        "9fb2cb8656a58140ea1220ed67d7e9d782364cf40a6c22e4523db3b32539b6b6",
        "b8a3fa0ac28fb248c5c276626648a44d8388cdda3454e326a501ce258749c1eb",
        "ca7584b83015dd95c36127260db4c1a2c61476cbca2597b85fc80fedc8d4f932",
        "f439c4168847544ce54bc47c6bda61090a7af6085e1b08cb7ec46afd78427d2d",
    ),
    "delay_anti/sincos_noiseall/train": (
        "12564f9e6001bfcad7564985fd96341c7ffd04b1aee2d2d1308a6b587c928ca6",
        "b8fa7f1ea4f610c5048891aeb5bb838c07b921ea854068585b5872d05678da03",
        "581086a6b1e6696fb087dfe753b3eb9d6d3afc34f33b97f3f5558ab444b63cd2",
        "3ed1005a22ef7afe5807d79c8d88ac19c513d3457dbf90dc906ab7b87b346a30",
        "e5791e01afb90da44446ee47a9cecbbecab3f73977f93a81cc92c5db13ef24b8",
    ),
    "delay_anti/sincos_noiseall/test": (
        "ef27af0451dfa634fe63080705b3eb34d68000bcacc4001b32cafe4678589f50",
        "c867e73e673e6ba882fa913cd3ec4f4d983abb6ee8a072f3cda5ba6f8c551a0b",
        "b8a3fa0ac28fb248c5c276626648a44d8388cdda3454e326a501ce258749c1eb",
        "ca7584b83015dd95c36127260db4c1a2c61476cbca2597b85fc80fedc8d4f932",
        "f439c4168847544ce54bc47c6bda61090a7af6085e1b08cb7ec46afd78427d2d",
    ),
    "delay_pro/default/train": (
        "cff6105902d673a1ce36c84ad42dd7adc7fa8626525afc68809f20891109afeb",
        "d38ae8e702ac0e48fb4a7108fceef23805c22e895afd0433705810b3eeadeee2",
        "581086a6b1e6696fb087dfe753b3eb9d6d3afc34f33b97f3f5558ab444b63cd2",
        "3ed1005a22ef7afe5807d79c8d88ac19c513d3457dbf90dc906ab7b87b346a30",
        "7801b103229423f2818d3efe5186d5d607d4023a5769af8b8071b32546f57e0c",
    ),
    "delay_pro/default/test": (
        "b5ec99bdeb15adcc16a32442ce25c2be38d4fa34e1ae771c5d8fb35595d402c5",
        "f68056e980e3159ffd9bde12b937f143c660e64f1967a44300e4a2f66b2b525e",
        "b8a3fa0ac28fb248c5c276626648a44d8388cdda3454e326a501ce258749c1eb",
        "ca7584b83015dd95c36127260db4c1a2c61476cbca2597b85fc80fedc8d4f932",
        "6a016093688d50639593268c496f576d5a92e6c3e2ed0d02193711b609677537",
    ),
    "delay_pro/sincos_noiseall/train": (
        "f597f9ec225bf665996ab16b92a78be21a11df528c8d2b085b986f22526c488c",
        "62d8976bbb001ec316fb49a379a04d228cdcd81fcea4a74ba7b6b271e7ddacd7",
        "581086a6b1e6696fb087dfe753b3eb9d6d3afc34f33b97f3f5558ab444b63cd2",
        "3ed1005a22ef7afe5807d79c8d88ac19c513d3457dbf90dc906ab7b87b346a30",
        "7801b103229423f2818d3efe5186d5d607d4023a5769af8b8071b32546f57e0c",
    ),
    "delay_pro/sincos_noiseall/test": (
        "c576b2c257b1527535faab6014fbe3b069cfd341ef1dd5c6187ea67af733183e",
        "e8a602e6b10d97621e0c030cfb2a8799a8c00c7a7faa097c8a244eeb9943bd0a",
        "b8a3fa0ac28fb248c5c276626648a44d8388cdda3454e326a501ce258749c1eb",
        "ca7584b83015dd95c36127260db4c1a2c61476cbca2597b85fc80fedc8d4f932",
        "6a016093688d50639593268c496f576d5a92e6c3e2ed0d02193711b609677537",
    ),
    "flipflop/default/train": (
        "da86912af463c431829d5479e88c4a168dc84c1c890a6cfc26c46fe62caf921e",
        "ff3969628ac6ec72009e71641beff8eedf8e391d585ead35f06ccc4f39e46ffd",
        "265dbe15540af3b93cb1c5490848962a71bf9a85d88eb9c0e8d312ca1754bdbb",
        "37ced02fe01f1d190a5d69bf06651dcded0d6319c28e44c4f95c9e297c254b2f",
        "0f2a024c3866faf0abb97c8fde76617abb2bc7a8166533e2d0f06553458f833f",
    ),
    "flipflop/default/test": (
        "ccb31e4af73bec9861860669c68fb9c7ab99b36a91aa05d34db380d94f896bdc",
        "25668820d6e684796588fe74e2e70a103edf0e0326f2daa342796b9df1a9c3ef",
        "deb089d13b4ac869d2b13ac8ceb1023c69609fea4f6185cc474656c74a4c3c53",
        "151df22dd790d7cab75589a9bcf3feb92a7dff9fadc422aaa6c0e3daa3ad28e6",
        "3838558b8f31e0b06aebfba9ec753270ff9e7887e6fd444c22c3330904da9ebb",
    ),
    "flipflop/noisy/train": (
        "f8c3820231f580cf8210babf0bff0df67e4a926de25dd87bfdfef6d32f9b83f1",
        "ff3969628ac6ec72009e71641beff8eedf8e391d585ead35f06ccc4f39e46ffd",
        "265dbe15540af3b93cb1c5490848962a71bf9a85d88eb9c0e8d312ca1754bdbb",
        "37ced02fe01f1d190a5d69bf06651dcded0d6319c28e44c4f95c9e297c254b2f",
        "0f2a024c3866faf0abb97c8fde76617abb2bc7a8166533e2d0f06553458f833f",
    ),
    "flipflop/noisy/test": (
        "708f47c857ccd44bbef7fb573670495310cc6f24d3cb0d966ba57997d32b7ad9",
        "25668820d6e684796588fe74e2e70a103edf0e0326f2daa342796b9df1a9c3ef",
        "deb089d13b4ac869d2b13ac8ceb1023c69609fea4f6185cc474656c74a4c3c53",
        "151df22dd790d7cab75589a9bcf3feb92a7dff9fadc422aaa6c0e3daa3ad28e6",
        "3838558b8f31e0b06aebfba9ec753270ff9e7887e6fd444c22c3330904da9ebb",
    ),
    "gonogo/default/train": (
        "38b9961b7f41ffeaef4c3058682cdc43c3df379e333a51499a1a9c9e80aba021",
        "61bf18359af87726bec19c9829758a56bb495e34d632740e5e9d3934ed215c89",
        "83fce46a803d5899b148721a73e61bf1c254c2bde1db9574b9d75eea4e8ef127",
        "b666d76737fc8ed4677ab266eefb5d4d8ef3adb9f02751352694174f1c02cd42",
        "4a57fba84bfefbce43c613273e5f19a2b5d8e2264ed1174bf29716fae7be1438",
    ),
    "gonogo/default/test": (
        "9a776e5c1455228308aa0f9ac8e5343b546a3bfbf2ba94389f3219cd2c1ec0e9",
        "33bd111802245f72249fd00bd34c1c3f5c750e8c9091183936de8d5d1edaac06",
        "2651c0600cef1efc607e525d954e7c0d84a94029cbfe4b9443af321d15b7dd1c",
        "c9e039087a60880c6cc71ba7759d0df1b2c8dbbe9c32923aa68be2977881d46f",
        "e66021ff1cc4642db1d755cd431f20b3194e775d6459d289777a89ad6d66ff5c",
    ),
    "gonogo_delay/default/train": (
        "5efa2d24065d40b7297c4b515127c6395eeae20a7bac3201e922f7c86317ded6",
        "7a785b4e34d5d93abceef38e01a06403108c4b2ec1f2aa59b8c897e0ee8d7a54",
        "2bcff0d138269b963406f1ec4580a01c9719bc6411df42ba68e8080a5e898419",
        "b3a8a5464a92d96ebae42c285f77be8aba73d6a3b941b29989bbc6f3ad4ccc7e",
        "b0d8e414a5fa57611cb5626e215b22ed31e115e2337fa5ddf91d202cdedf6a75",
    ),
    "gonogo_delay/default/test": (
        "93718a152adbc5389fb58f962b43359b77b6feaef0f074b8b3ea19a70347486d",
        "e92489a39074668a7cc64167423414731b704aaf5c4742aac465f406e14b4b44",
        "3636c0d7cb06271fd661bff4d8fa2445066ab9de5d0515ac3893a0c80db49397",
        "ae4b8e03d24db3b99382c79b6c7a8f6ea054e138bc6c4e8745d9af1e25127f9c",
        "74f464b7b9fe519c2f320f23da10744362c3ab6c556228821e2f093c7dc353cf",
    ),
    "integration_mod1/default/train": (
        "87e7c16f38431446d11b8ea4a971b830e4491b525300057e7bda1591d503fdb0",
        "6db59da9ccfd4a4a456b16cef8ff47bc4579f9d30f23cf59efc986fb4bfb5800",
        "d79914f4b9b60290d993c042e1a1412cbf33e897c3396e6f1500c2a0d9164814",
        "bacfc305408027260857e8a71f28165cf6c7ddaf4b000b13a9069f7fad4842ef",
        "f1bbe4c40c3a52f7606c8c4a44729edf3cb8970366cc25423a6bb08bc2acaf85",
    ),
    "integration_mod1/default/test": (
        "a94e80c5a899e00b8b3723d06ffa9c563ea7461f5164708136876fea2cfc83ad",
        "b43271a0673d9b60e0da6da721a879b758ebf8a095d63b0fcd598a36e0d7c756",
        "308a96a12539d86c305f5a5af5612c756457c7ae308790c68a00079f5a982bc3",
        "af58a8c9eb27cd35466bf34a447aa2e401afb4ed98c216f274c192b2bf2c89a0",
        "03fbe260bd0fb75bc2bccae16cb53299bdf4499b1dece3d7ab56d82745e64d6b",
    ),
    "integration_mod1/sincos_noiseall/train": (
        "e50fe7359bd37d87a1971edabc68875c823cc2347682befff0017010e4c28d0a",
        "531324cfcf808ac1de9f3b2dfee4379ee1528b45b8f0703bd7ba844bc96c8890",
        "d79914f4b9b60290d993c042e1a1412cbf33e897c3396e6f1500c2a0d9164814",
        "bacfc305408027260857e8a71f28165cf6c7ddaf4b000b13a9069f7fad4842ef",
        "f1bbe4c40c3a52f7606c8c4a44729edf3cb8970366cc25423a6bb08bc2acaf85",
    ),
    "integration_mod1/sincos_noiseall/test": (
        "4d30524f1562b34d5b75cffe79b338b0be989189a7321fcab13609ddc606d16d",
        "00f7779ba3c22b91727a27ad52b797a08e1681883b3c9868ffe25ed6a4e141b7",
        "308a96a12539d86c305f5a5af5612c756457c7ae308790c68a00079f5a982bc3",
        "af58a8c9eb27cd35466bf34a447aa2e401afb4ed98c216f274c192b2bf2c89a0",
        "03fbe260bd0fb75bc2bccae16cb53299bdf4499b1dece3d7ab56d82745e64d6b",
    ),
    "integration_mod2/default/train": (
        "955d165874e4bdeb87ebd2e1c60478893274abe434ab59ee68baf5ba40cb3c1b",
        "6db59da9ccfd4a4a456b16cef8ff47bc4579f9d30f23cf59efc986fb4bfb5800",
        "d79914f4b9b60290d993c042e1a1412cbf33e897c3396e6f1500c2a0d9164814",
        "bacfc305408027260857e8a71f28165cf6c7ddaf4b000b13a9069f7fad4842ef",
        "f7e01810540c760a2af376b113351b0f37d1c9093dc84aa31549bd0c58f42e62",
    ),
    "integration_mod2/default/test": (
        "68a8c88ca394383a1be9cb2e65a2c7afb026dfd95f9b67468f69157ed775866e",
        "b43271a0673d9b60e0da6da721a879b758ebf8a095d63b0fcd598a36e0d7c756",
        "308a96a12539d86c305f5a5af5612c756457c7ae308790c68a00079f5a982bc3",
        "af58a8c9eb27cd35466bf34a447aa2e401afb4ed98c216f274c192b2bf2c89a0",
        "4043d492fcaf4b30c65c856408d5965422d3cff2c753782f4c46e4261a261172",
    ),
    "integration_mod2/sincos_noiseall/train": (
        "c945babf5e027b1d4686776fff75ad5586c3364c87bac95d7ca7690e2f1e737b",
        "531324cfcf808ac1de9f3b2dfee4379ee1528b45b8f0703bd7ba844bc96c8890",
        "d79914f4b9b60290d993c042e1a1412cbf33e897c3396e6f1500c2a0d9164814",
        "bacfc305408027260857e8a71f28165cf6c7ddaf4b000b13a9069f7fad4842ef",
        "f7e01810540c760a2af376b113351b0f37d1c9093dc84aa31549bd0c58f42e62",
    ),
    "integration_mod2/sincos_noiseall/test": (
        "a1ee959c508188d80074a43bc5ca2638823a9d252665916b8c09cc464d84260f",
        "00f7779ba3c22b91727a27ad52b797a08e1681883b3c9868ffe25ed6a4e141b7",
        "308a96a12539d86c305f5a5af5612c756457c7ae308790c68a00079f5a982bc3",
        "af58a8c9eb27cd35466bf34a447aa2e401afb4ed98c216f274c192b2bf2c89a0",
        "4043d492fcaf4b30c65c856408d5965422d3cff2c753782f4c46e4261a261172",
    ),
    "integration_multimodal/default/train": (
        "8a871b069c7d0df827b1e5e2e1f244fbfbd447f51af709b7aed91dcc71f5403d",
        "335fbaf8411375c2b4f4cc9479573768480b5f33b61b8d15d08508636a42dcbc",
        "fcfce13650325d168ad84d0052c3700c75064e32d7cc8858d7a858794e7e4fcb",
        "648c7872c3e34de05b81ba4f355dff405283c02a65bbf99fa966d8c270c8c9f0",
        "b7db73697f32b98e0f32ee285c5f7d4c35d8ae24c97d446f56e7a33540f0dd7e",
    ),
    "integration_multimodal/default/test": (
        "0b9ca28c09140ab30e765cd56468d90589e5dd29e3e54747937667b6ada121b8",
        "271bd5b120dc79a5bffc6721810b3f02e92d0287e459fc3e0e090abe02ccca81",
        "765801e2d88fd365e96ccf88b912a9fc81b782078558e41bf9d176c6a874ee77",
        "2ef6a83cdbda719d7a3712618ee16a933fb1a3ced0c23ea279487caf9be306af",
        "362d455ed15a8a4ac1353dd7e22efa8a208505e7d43fac780b4276ac1e7f0759",
    ),
    "integration_multimodal/sincos_noiseall/train": (
        "f42c6719c9c87f26333e7911c4d17de28fa631b592fa999be0dc32dd6988e172",
        "f4ffc375c206ad62608e4d90e248cbbf2ff986b9fc4d024a0aa6a0b44d05057f",
        "fcfce13650325d168ad84d0052c3700c75064e32d7cc8858d7a858794e7e4fcb",
        "648c7872c3e34de05b81ba4f355dff405283c02a65bbf99fa966d8c270c8c9f0",
        "b7db73697f32b98e0f32ee285c5f7d4c35d8ae24c97d446f56e7a33540f0dd7e",
    ),
    "integration_multimodal/sincos_noiseall/test": (
        "6b0614be2b8ee55a371ab98369221cd8405f5b3de21ffa1fb9bb9940dececcab",
        "6941c1a27ecb59505da995f6d468e48761104f300a563321101c141cdac30ff1",
        "765801e2d88fd365e96ccf88b912a9fc81b782078558e41bf9d176c6a874ee77",
        "2ef6a83cdbda719d7a3712618ee16a933fb1a3ced0c23ea279487caf9be306af",
        "362d455ed15a8a4ac1353dd7e22efa8a208505e7d43fac780b4276ac1e7f0759",
    ),
    "memory_anti/default/train": (
        "9b412a221f2eae2c70f7aca71e8a85e515ffd589ee30d1e8421c5e2b9982727c",
        "7d14f03b87b9f75711c6d521cbcdb5a278ca619a9a88d8dbab5bdf118bced45e",
        "ff06f681c8ef962b65027e9d1378333c5f045126f2acfa7df702e66fa9e94522",
        "81cd3f54804ec5909afccd841ec0c9ae110d172d07982e9a6150486719041dea",
        "aa37d10a0d867c0d8c8f5b15f353a3732d58cd72e0ceca6b63aa226ea358177b",
    ),
    "memory_anti/default/test": (
        "4d2c73bc872c1e47dc609852c423c73b1bdcc995ddc8f1d174450b85f3c4f32a",
        "12fcea4fa762a4cddf8ccc913f4853210dc527a7d7c2587feb952cac84fe65e6",
        "ddae86b5897dfe52a6208d2b566e3a49d0b37dc24f7da95886c55655e154b856",
        "3dfdd1806c4e8ed5ae9ac0af5f34a17ea558f49f72e3f2729a5910c7ae85b74c",
        "f3cd0aff488ee95eb9f64172a5d6f989fc18248d6cefce9dbf827914cbb1dbdd",
    ),
    "memory_anti/sincos_noiseall/train": (
        "5c239907fa2c9ce3e5934924432f2ec065cb919bfdb73f4b008bb30c1970aa6b",
        "714e3a2e4a488a913cee2d978da1a2a3f0935c75d622113fd4984106aedd52a0",
        "ff06f681c8ef962b65027e9d1378333c5f045126f2acfa7df702e66fa9e94522",
        "81cd3f54804ec5909afccd841ec0c9ae110d172d07982e9a6150486719041dea",
        "aa37d10a0d867c0d8c8f5b15f353a3732d58cd72e0ceca6b63aa226ea358177b",
    ),
    "memory_anti/sincos_noiseall/test": (
        "d2e34e19a593c1676bae8450f3eb066ecd34c3e31bab4c88aecd175f2413df72",
        "f0c509d44bee118e42f74e54478898ecc76fe6edd450c53c3c32fdbde625b41a",
        "ddae86b5897dfe52a6208d2b566e3a49d0b37dc24f7da95886c55655e154b856",
        "3dfdd1806c4e8ed5ae9ac0af5f34a17ea558f49f72e3f2729a5910c7ae85b74c",
        "f3cd0aff488ee95eb9f64172a5d6f989fc18248d6cefce9dbf827914cbb1dbdd",
    ),
    "memory_pro/default/train": (
        "ff26980b60148ac34ffea5b92827724176d29887cb439829774f226f2e8a8fb2",
        "9a988999d8ea358ef10d4b0c57fcfdfdf7657258a44d0e8777bc04be433d3b64",
        "ff06f681c8ef962b65027e9d1378333c5f045126f2acfa7df702e66fa9e94522",
        "81cd3f54804ec5909afccd841ec0c9ae110d172d07982e9a6150486719041dea",
        "fb7db1923013e7383540aa90cf9ea8b357f2c9ed92ace0c10786585f04df7629",
    ),
    "memory_pro/default/test": (
        "98c259ed6b6be34eeb508f1e5646c114630980e89cf73e24e97e5d8eb2a33c27",
        "010fd1f0805456f91503c6ab8b9aa46fdde3333e24d45916f3cf44708af68fe9",
        "ddae86b5897dfe52a6208d2b566e3a49d0b37dc24f7da95886c55655e154b856",
        "3dfdd1806c4e8ed5ae9ac0af5f34a17ea558f49f72e3f2729a5910c7ae85b74c",
        "86ffb2ffe766fa9a31b04f0267e4135ea19e8e97fc49e49bdbbc2bf1d4301d46",
    ),
    "memory_pro/sincos_noiseall/train": (
        "f94d3c799279043acea7109559257fd616fbd9b5687741d30a6efd91e8a23330",
        "6354b34fa6effea87b5e8c9aca86a695a76f0dce7b8650809a4e5ee82b3f69b0",
        "ff06f681c8ef962b65027e9d1378333c5f045126f2acfa7df702e66fa9e94522",
        "81cd3f54804ec5909afccd841ec0c9ae110d172d07982e9a6150486719041dea",
        "fb7db1923013e7383540aa90cf9ea8b357f2c9ed92ace0c10786585f04df7629",
    ),
    "memory_pro/sincos_noiseall/test": (
        "8009aa02b488b57521a65e8e645a811d78d3f0d5b02f4811b46571c024d6464c",
        "aa4bc6edc1648ed031736e11b0e918580ece1c23a5706f310462fb4f94f24828",
        "ddae86b5897dfe52a6208d2b566e3a49d0b37dc24f7da95886c55655e154b856",
        "3dfdd1806c4e8ed5ae9ac0af5f34a17ea558f49f72e3f2729a5910c7ae85b74c",
        "86ffb2ffe766fa9a31b04f0267e4135ea19e8e97fc49e49bdbbc2bf1d4301d46",
    ),
    "memorypro_analog/default/train": (
        "01ee1b73e6164377c918ea3c836e602dd17921d5b8a50b537d6a65e5c19b8ccb",
        "ad049a2737e76d416201e535e6d16b1eb01ae3b47b87dc2afa1ed38cf545308e",
        "1a26b348dbb9011ef125ade986c4758cc963b70a320e696f0b596968662d4cd5",
        "a78fd7407a27a3b1c4834c9aa1bdd18d3fd002facf47ece40df7833a2ee4cf2a",
        "e76cad33cb17969071e24a2bacf654a2c7bed9305bae1900f5be006277c2d38a",
    ),
    "memorypro_analog/default/test": (
        "af89e09d0cc6f66554ea1fbb8efc375766fb9cf78f29d5f399569fa8bdec3ff5",
        "8e7075d5a7e1a3ff86f6a24b74fccca71f7e575b3d8a0afa2d0523ee0881d42a",
        "b1318989e802908c691f1492fcd6d45006c9384e5b827242c7e499ba981c084e",
        "89073c5346523109ee1f4066d5106b721aa5bb110e55d116c45f0b63457f6f56",
        "7fe65316087fb056e1a0316b8d0eac0b18b5ce563e4ff75115e2adcd05083f03",
    ),
    "pdm/default/train": (
        "a3f0ded1a6a112f5d393940d95bb1146f9c7617b58a3df8245216202d2d12719",
        "ea0984d4345b94559c57cceaaaf37c64d23842270780fee70535be2920161ebe",
        "b7fdbe20fcb307a0febf7bdcc8faba93133a7029a78b69215534b9bcb1df2578",
        "ddd1a6c25e0153a67f336a02221d56a637e772bfa9370ff89830779d3136693f",
        "60c778f79f566fe2eb2ce198ffd6a287a6d645b52b2ff2538d918d2fba14bb96",
    ),
    "pdm/default/test": (
        "2761034c48317ca9ccee898d78b18d23434972b464ff18948941a91362d0cc38",
        "de4046941ccd92a2b13e6658b01cf947d92547ef8ef12ba4ff8a4b4a4b09f359",
        "68bd6677d39625c2cc1f1cf8b71e29900d72bda56b60a24ab3019af7bbbb0807",
        "d92017e342594a397175f6a44083cf523036d9315be8fa3081127acd639e1028",
        "9152720932f90bd5e0adf1291b8737695204fc609e1b9e4d296c1d52feefb946",
    ),
    "pdm_delay/default/train": (
        "834ce7d2b05837fd6786b46305f46ffe638f9163f6d5a9caa7eb4b0742c7385e",
        "9411891ba491b04cc3f44fae57bffe6fe7c0c05bfdaa1695c158618bae3a1b9a",
        "8b3060cc586df7abbea979e2f60bad059a7d7ccbbef4fa0e0aba55e115f11eb8",
        "bc0bc6b3b5d9fd0054442a910815e9593fdb4aa111feea9e331ad2ff653968b4",
        "009025ff999b53d3ce6baee5d63be69e24301c3e1ecfc7ba88e1d50c25fbefc9",
    ),
    "pdm_delay/default/test": (
        "5ab8b1bba8e35ed6389cf3053d4a4ad3bb6b78f2d861dc56ff6cc111acfae0ff",
        "2d8e7a4acbf83ca03abccc8a0a01444f2b20c7345c006eb29e2acb7cfdaea5ee",
        "b80feb3b0907b5dd16fc79f1b31e7459d5f7b986519ac447c2b2cb9ab04be26f",
        "fbb7e2b28632b209a79da2671bb05155601842fa9b0cb5ce1504c282b45fce15",
        "fbff929421a8682aab453baca696b470207c145e4a1b5cebeb603b3844cbed73",
    ),
    "react_anti/default/train": (
        "2e181637464ad9bf3d7b06a854593d60c316dd50594d665b6ec02ab667797f47",
        "9ae83c1a6d67f628871af143f2e8081e2974ad26dbaadeb3d20926347f800987",
        "cde48c08dafd5ff7459605d250f331fb7fe441a86f0e71b415416f2fab22c94b",
        "382a69e25b38a872fc368f9b9b30b07bae77be74da173a2c497e1d9feef79bad",
        "19582f97f4a9198ef7b8174132fe3a2ce7dec2322e9b9fa08d1c8faa0ff735e5",
    ),
    "react_anti/default/test": (
        "7f56e56e8e1a964f642a62eb99df315b9f98523c6d87071f7218148d3801e5a8",
        "0aad3792477710b10225e0095b40f864484b973e9f5f87f47973f00b947b1f33",
        "f3c65e27820a783bcd797ac2bb91a5b0c8329c069577a3f52e1eaae9a8205723",
        "63e9de9c7ce9cf8a20c4e12eb931387c6e337e48d6b3a9d63f6158e0eb9bd1f5",
        "d1b6575d7f2f827059707b4437319a96d1136bdd2716320dadbcc8906d99c037",
    ),
    "react_anti/sincos_noiseall/train": (
        "b537ed43d11dacaee0147c8c4b1aa799ee01afdca2a66f98770868ab8a9a4a78",
        "b864bc267b63ca20a93a73d0e4393fbd96c97bab0a92f1b8d349e900b380a8aa",
        "cde48c08dafd5ff7459605d250f331fb7fe441a86f0e71b415416f2fab22c94b",
        "382a69e25b38a872fc368f9b9b30b07bae77be74da173a2c497e1d9feef79bad",
        "19582f97f4a9198ef7b8174132fe3a2ce7dec2322e9b9fa08d1c8faa0ff735e5",
    ),
    "react_anti/sincos_noiseall/test": (
        "d1128a88af79bef432f24e14c857f6dbb759706fa1d74be9b38b35cf0cb3fffd",
        "6a077b42a95b5cb205ee5a52ba9c6b1ac458739f8d445d6f5b37e2ae0eb34793",
        "f3c65e27820a783bcd797ac2bb91a5b0c8329c069577a3f52e1eaae9a8205723",
        "63e9de9c7ce9cf8a20c4e12eb931387c6e337e48d6b3a9d63f6158e0eb9bd1f5",
        "d1b6575d7f2f827059707b4437319a96d1136bdd2716320dadbcc8906d99c037",
    ),
    "react_category_anti/default/train": (
        "ea2c1c28f4b84397fc8d807d55d4c43ad59fc01cb0fe3869eb68abeac91b3f14",
        "388f7ec18bd9ebaca860c0b07865365d8fbe353d53ad3bb262d6acf6b4c88922",
        "a35b971501a2ae50bf7a2ec5c7ef3692a0d41df9073065d453c5631fd14b2048",
        "8ee09c54534ef71cd0d79f095602dc455c35f10af3f1394fc2fb0c96652853dc",
        "d9c2e77c7a94b731df8ba83ed46929253f18b56bf6c2c7c8ed4b800bc7002c2e",
    ),
    "react_category_anti/default/test": (
        "e2d4bf89f45f76a280331c783c2e6191a5de0ecc71cbe88acb575589e8fe98e7",
        "c454a384c70dc851287ebe16436f78026ff51dea6a731b8a5512db4ff5adda59",
        "6ebef55e4f2925735333b5490f4c022938586fd697bcf3114bc6fb4ff60f1aea",
        "73737e7fb0a13aa5edf1ce871413bef8fc188020d864ee6997b7bbc5a1e23b90",
        "13c7987468787133d5c8639ae79179d6c3b7c062f87d02a8c77fcbf9b4596c27",
    ),
    "react_category_anti/sincos_noiseall/train": (
        "09864f3842e21d6e5aa6df529864065f43340bf2b74941cc39ea57c07fb83201",
        "32497cfefaa0dcd10cd20d1454ce96786af1df87444b1708ab917c6faeb0806d",
        "a35b971501a2ae50bf7a2ec5c7ef3692a0d41df9073065d453c5631fd14b2048",
        "8ee09c54534ef71cd0d79f095602dc455c35f10af3f1394fc2fb0c96652853dc",
        "d9c2e77c7a94b731df8ba83ed46929253f18b56bf6c2c7c8ed4b800bc7002c2e",
    ),
    "react_category_anti/sincos_noiseall/test": (
        "553b13f79458272d39f555ff279ee205f46917cb61bf01baa697db3bb7ca217a",
        "2b2cc6003e6ad1dfaae0f3ebfa2615e859d97c7a06d5309f4f395ca7086fc8ef",
        "6ebef55e4f2925735333b5490f4c022938586fd697bcf3114bc6fb4ff60f1aea",
        "73737e7fb0a13aa5edf1ce871413bef8fc188020d864ee6997b7bbc5a1e23b90",
        "13c7987468787133d5c8639ae79179d6c3b7c062f87d02a8c77fcbf9b4596c27",
    ),
    "react_category_pro/default/train": (
        "c0274b10a9d3da70bb4b5b62819a0acf26acaa64bab932be6b0f54d8e11e9d5e",
        "40321aacf5de9c872ff81469dae5897b1b5fe8d2fd4ddc89ade64d6e45f71276",
        "a35b971501a2ae50bf7a2ec5c7ef3692a0d41df9073065d453c5631fd14b2048",
        "8ee09c54534ef71cd0d79f095602dc455c35f10af3f1394fc2fb0c96652853dc",
        "2c04923cb0c54df5ee8dc2b3bfd5945e7f8640c0c890b1cce06aa0d22f4a6502",
    ),
    "react_category_pro/default/test": (
        "5d1394cdc46be73420cab4b8a275148307790b2febc6d8f3997aa4079d0f75f6",
        "44179b0153faf97d797e5f3322da90fdf645e3bc4a0430cc67572f485b466c5d",
        "6ebef55e4f2925735333b5490f4c022938586fd697bcf3114bc6fb4ff60f1aea",
        "73737e7fb0a13aa5edf1ce871413bef8fc188020d864ee6997b7bbc5a1e23b90",
        "c2bb7d0091f8d31519f55751d6947246c16eb0f63fefced6090fe467f9dc7255",
    ),
    "react_category_pro/sincos_noiseall/train": (
        "f73d09ba1d6abeed55ac01f048c02a44cdb439c3fc03f065bfe992fe0556e622",
        "c90f7c64564c669f3d7dbbdf312892524723eb3c8aa535fd21f437fe578ab193",
        "a35b971501a2ae50bf7a2ec5c7ef3692a0d41df9073065d453c5631fd14b2048",
        "8ee09c54534ef71cd0d79f095602dc455c35f10af3f1394fc2fb0c96652853dc",
        "2c04923cb0c54df5ee8dc2b3bfd5945e7f8640c0c890b1cce06aa0d22f4a6502",
    ),
    "react_category_pro/sincos_noiseall/test": (
        "cab50df9a7148210ba2d0c42f815f8887bc7d4e987ea1d9d842bb919b73347c4",
        "21259fda8aa9e466b4b8b54c8bf03c08ea2cad3b41d737b5746f33e188530c05",
        "6ebef55e4f2925735333b5490f4c022938586fd697bcf3114bc6fb4ff60f1aea",
        "73737e7fb0a13aa5edf1ce871413bef8fc188020d864ee6997b7bbc5a1e23b90",
        "c2bb7d0091f8d31519f55751d6947246c16eb0f63fefced6090fe467f9dc7255",
    ),
    "react_match2sample/default/train": (
        "912d69724e484aa6d3145958b5287cde7d6bc254b87aafa77402b2bb7f90c7c0",
        "4b952d8040c9bbed3a66a06133bccab8d47bd393449f49166d62742c2d66e0fe",
        "6698b037841ecb306a83b52ce8073cb1543a41291cbc0137a159cb4fa84c6473",
        "b513f1521bb7ff6fa115c6c78d1f9dce92291af51d2ec7f51fa52639899e6860",
        "6a986ad13ccaf7042b78832b668f360a98ccfc5c736b09aa9e988305ede55d05",
    ),
    "react_match2sample/default/test": (
        "d3f2b6cd54664be2d3dde427dcad21ebc48c3e7d7d7d1a85b7f955d431788ceb",
        "6da3009346636e5512362c617934ea9bc98f63a5965aeee4d3ad9be1eae6ac14",
        "8f4525384d2fbf910d1daadeff3ce9d4c1de4846fd58b87a834a7caf7d07c3e7",
        "778d0b820a2bc8ccfa1c05869b92dec2076f75d0caa9ff4b3d1b1ffbe1b35159",
        "03d91b63ad3c79c3da110999085a9c402280771264d0e100977c42a76989c572",
    ),
    "react_match2sample/sincos_noiseall/train": (
        "128e4efe63c1fff55412d8c0a124ef9be3525a137924c7f3cd427ea851ae1ceb",
        "5c1bec48da71281ac8c5403a821cb8e6a027702b2fde0260f2ecc723ad0b0edc",
        "6698b037841ecb306a83b52ce8073cb1543a41291cbc0137a159cb4fa84c6473",
        "b513f1521bb7ff6fa115c6c78d1f9dce92291af51d2ec7f51fa52639899e6860",
        "6a986ad13ccaf7042b78832b668f360a98ccfc5c736b09aa9e988305ede55d05",
    ),
    "react_match2sample/sincos_noiseall/test": (
        "52ea5949867d5f26abc88e2bc60315e47bab1611f50a9be2da510c09eef7dded",
        "0a88a54f0f529b80021efbfae3d92ca8b553a231c116f40a4a3e00041a495008",
        "8f4525384d2fbf910d1daadeff3ce9d4c1de4846fd58b87a834a7caf7d07c3e7",
        "778d0b820a2bc8ccfa1c05869b92dec2076f75d0caa9ff4b3d1b1ffbe1b35159",
        "03d91b63ad3c79c3da110999085a9c402280771264d0e100977c42a76989c572",
    ),
    "react_nonmatch2sample/default/train": (
        "71bc6d0faf073962c64ec57610d2c0f98a883c532f8a25f49db28637838ecb8c",
        "73e142475299ae01275b40fdf4ec70f11d3e1a45ef7a170911a266fd6541eadf",
        "6698b037841ecb306a83b52ce8073cb1543a41291cbc0137a159cb4fa84c6473",
        "b513f1521bb7ff6fa115c6c78d1f9dce92291af51d2ec7f51fa52639899e6860",
        "52f34e2ead004aecee1b9feb1e4dcce295493774f142a236d8c27048b84c93d8",
    ),
    "react_nonmatch2sample/default/test": (
        "30e423449f0f8f89efbeea887f520dde19e095a6a293190670f6ae39c8948a8e",
        "078b3016250ca9628741ffb25f775147d452dbeb42ffee2adbed30fa2ed7c454",
        "8f4525384d2fbf910d1daadeff3ce9d4c1de4846fd58b87a834a7caf7d07c3e7",
        "778d0b820a2bc8ccfa1c05869b92dec2076f75d0caa9ff4b3d1b1ffbe1b35159",
        "a085f0eb4357a2d88fedbc8e839590c2e2debd63ddec717a0e670161612d1915",
    ),
    "react_nonmatch2sample/sincos_noiseall/train": (
        "8a56dfeac4c3ac174760094c67bbffb2829e4e7793926fc23ae9ea4fe13be2df",
        "fa96603ce423ddd0fd13292301d3235344de81deb252800f6ce86a0ced470cfa",
        "6698b037841ecb306a83b52ce8073cb1543a41291cbc0137a159cb4fa84c6473",
        "b513f1521bb7ff6fa115c6c78d1f9dce92291af51d2ec7f51fa52639899e6860",
        "52f34e2ead004aecee1b9feb1e4dcce295493774f142a236d8c27048b84c93d8",
    ),
    "react_nonmatch2sample/sincos_noiseall/test": (
        "8362ed11406796f7cd5085e164983dc4e66eb97eedaf920b11aaf81bb4d1ad99",
        "0b1b447336ca5bdf6e7daa9345d44e57f739c513690a8641753a80c0503b82ad",
        "8f4525384d2fbf910d1daadeff3ce9d4c1de4846fd58b87a834a7caf7d07c3e7",
        "778d0b820a2bc8ccfa1c05869b92dec2076f75d0caa9ff4b3d1b1ffbe1b35159",
        "a085f0eb4357a2d88fedbc8e839590c2e2debd63ddec717a0e670161612d1915",
    ),
    "react_pro/default/train": (
        "ef1547dac3723404372fd5b4e2ba05c18c9661aa472d3e133a1c8cd6f1b0ec91",
        "54dc5325538ec22b7dd57e181d97e8f175e4144a081a1342cf5bbcc78ab0339d",
        "cde48c08dafd5ff7459605d250f331fb7fe441a86f0e71b415416f2fab22c94b",
        "382a69e25b38a872fc368f9b9b30b07bae77be74da173a2c497e1d9feef79bad",
        "458ca4d3a042e199363500c18b8bf3fe9f5f105e087349bbadb3cdfece796b37",
    ),
    "react_pro/default/test": (
        "f69c11a3a633c955c80763c3fa0cb761fd6da92141d5e85b1ef50730592f59b1",
        "2d78d26b38365b4df7bc33853527269f06ef1c2703f221ca5913be35aa980635",
        "f3c65e27820a783bcd797ac2bb91a5b0c8329c069577a3f52e1eaae9a8205723",
        "63e9de9c7ce9cf8a20c4e12eb931387c6e337e48d6b3a9d63f6158e0eb9bd1f5",
        "8caf201f0b761c007f7ec1148ebf26b0bf8f3df8b50d0792d1083d040a5a63f7",
    ),
    "react_pro/sincos_noiseall/train": (
        "383675025a47dec18cd3356ab4705959c03939b0cc0a26badfd9fe3530a6578b",
        "e4cd205e29f7675ef6f5d65019fcced41e3ecca2a85d0b8f2523a797b4c8922a",
        "cde48c08dafd5ff7459605d250f331fb7fe441a86f0e71b415416f2fab22c94b",
        "382a69e25b38a872fc368f9b9b30b07bae77be74da173a2c497e1d9feef79bad",
        "458ca4d3a042e199363500c18b8bf3fe9f5f105e087349bbadb3cdfece796b37",
    ),
    "react_pro/sincos_noiseall/test": (
        "305ce6260857040c86308e6201504770028bc79e9357d9613ebacb488ab44943",
        "ceeb691409149707255f21e8b86afdc490484e4ac858a9353f2c214157864192",
        "f3c65e27820a783bcd797ac2bb91a5b0c8329c069577a3f52e1eaae9a8205723",
        "63e9de9c7ce9cf8a20c4e12eb931387c6e337e48d6b3a9d63f6158e0eb9bd1f5",
        "8caf201f0b761c007f7ec1148ebf26b0bf8f3df8b50d0792d1083d040a5a63f7",
    ),
}
# fmt: on


if __name__ == "__main__":
    print(_table())
