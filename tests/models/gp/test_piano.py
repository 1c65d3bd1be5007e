"""The GP piano note: two-stage decays, a hammer burst, and partial levels that hold between seeds."""

import numpy as np

from explorer.models.gp.model import GPModel
from explorer.models.gp.piano import HAMMER_S, partial_levels, piano_report, piano_spec

SR = 16000


def test_report_finds_a_known_two_stage_decay():
    t = np.arange(int(1.5 * SR)) / SR
    env = 0.8 * np.exp(-t / 0.15) + 0.2 * np.exp(-t / 2.0)
    rep = piano_report(np.sin(2 * np.pi * 261.63 * t) * env, sr=SR, f0=261.63, inharmonicity=0.0, n_partials=2)
    early, late = rep["decay_early_db_per_s"][0], rep["decay_late_db_per_s"][0]
    assert early < -25 and -6.0 < late < -3.0  # fast prompt, then 8.69 / 2 = 4.3 dB/s aftersound
    assert rep["swell_db"][0] <= 0


def test_piano_note_has_prompt_and_aftersound_and_a_hammer_burst():
    spec = piano_spec(sr=SR, duration_s=1.5)
    tr = spec.track
    t = np.arange(tr.n_frames) * tr.hop_s
    db = 10 * np.log10(tr.harmonics[:, 0])
    early = np.polyfit(t[(t > 0.02) & (t < 0.3)], db[(t > 0.02) & (t < 0.3)], 1)[0]
    late = np.polyfit(t[t > 1.0], db[t > 1.0], 1)[0]
    assert early < 2 * late < 0  # the prompt sound decays at least twice as fast
    later = np.polyfit(t[t > 1.0], 10 * np.log10(tr.harmonics[t > 1.0, 9]), 1)[0]
    assert later < late  # higher partials die sooner
    noise = tr.noise_bands.sum(axis=1)
    assert noise[0] > 0 and noise[t > 5 * HAMMER_S].max() < 1e-3 * noise[0]  # a burst at the onset only


def test_partial_levels_hold_between_seeds_and_do_not_swell():
    m = GPModel(piano_spec(sr=SR, duration_s=1.2))
    ys = m.render(m.sample_latent(4, 0)).astype(np.float64)
    levels = []
    for y in ys:
        db, t = partial_levels(y, sr=SR, f0=261.63, inharmonicity=3.5e-4, n_partials=8)
        levels.append(db[:, t < 1.0].mean(axis=1))
        assert np.max(db[:, (t > 0.15) & (t < 1.0)].max(axis=1) - db[:, t < 0.15].max(axis=1)) < 6.0
    assert np.mean(np.std(levels, axis=0)) < 1.5
