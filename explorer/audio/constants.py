"""Audio conventions shared by every model family (DESIGN.md section 4)."""

#: Sample rate of the VAE and GAN, Hz.
SR = 16000
#: Samples per note for the VAE and GAN: 2.048 s, so that STFT frames come in a power of two.
N_SAMPLES = 32768
#: STFT size and hop used by the neural models' spectrogram representations.
N_FFT = 1024
HOP_LENGTH = 256
#: MIDI pitch range of the neural models (C1-C7).
PITCH_MIN, PITCH_MAX = 24, 84
#: Sample rates the GP may render at.
GP_SAMPLE_RATES = (16000, 22050, 44100, 48000)
GP_MAX_DURATION_S = 30.0
#: Peak ceiling after safety: -1 dBFS.
PEAK_DBFS = -1.0
#: Loudness every render is brought to (RMS, dBFS) before the peak ceiling.
TARGET_RMS_DBFS = -20.0
#: Fade in and out applied to every sound leaving the engine, seconds.
FADE_S = 0.005
#: Below this RMS (dBFS) a sound counts as silence and is left silent.
SILENCE_DBFS = -70.0
