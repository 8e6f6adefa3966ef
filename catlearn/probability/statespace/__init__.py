"""State-space models: hidden Markov models and linear-Gaussian state spaces — filtering,
smoothing, prediction, Viterbi, sampling and learning, by sequential or parallel-in-time
(associative) scans. Builds on :mod:`catlearn.probability.kernels`.
"""

from catlearn.probability.statespace.hmm import HMM as HMM
from catlearn.probability.statespace.hmm import HMMFiltered as HMMFiltered
from catlearn.probability.statespace.hmm import HMMPrediction as HMMPrediction
from catlearn.probability.statespace.hmm import HMMSmoothed as HMMSmoothed
from catlearn.probability.statespace.hmm import HMMViterbi as HMMViterbi
from catlearn.probability.statespace.hmm import hmm_filter as hmm_filter
from catlearn.probability.statespace.hmm import hmm_log_likelihood as hmm_log_likelihood
from catlearn.probability.statespace.hmm import hmm_predict as hmm_predict
from catlearn.probability.statespace.hmm import hmm_sample as hmm_sample
from catlearn.probability.statespace.hmm import hmm_smoother as hmm_smoother
from catlearn.probability.statespace.hmm import hmm_viterbi as hmm_viterbi
from catlearn.probability.statespace.hmm_emissions import GaussianHMM as GaussianHMM
from catlearn.probability.statespace.hmm_emissions import PoissonHMM as PoissonHMM
from catlearn.probability.statespace.hmm_learn import HMMFit as HMMFit
from catlearn.probability.statespace.hmm_learn import hmm_fit_em as hmm_fit_em
from catlearn.probability.statespace.hmm_learn import hmm_fit_gradient as hmm_fit_gradient
from catlearn.probability.statespace.kalman import LGSSM as LGSSM
from catlearn.probability.statespace.kalman import KalmanFiltered as KalmanFiltered
from catlearn.probability.statespace.kalman import KalmanPrediction as KalmanPrediction
from catlearn.probability.statespace.kalman import KalmanSmoothed as KalmanSmoothed
from catlearn.probability.statespace.kalman import kalman_filter as kalman_filter
from catlearn.probability.statespace.kalman import kalman_log_likelihood as kalman_log_likelihood
from catlearn.probability.statespace.kalman import kalman_predict as kalman_predict
from catlearn.probability.statespace.kalman import lgssm_sample as lgssm_sample
from catlearn.probability.statespace.kalman import rts_smoother as rts_smoother
from catlearn.probability.statespace.kalman_learn import LGSSMFit as LGSSMFit
from catlearn.probability.statespace.kalman_learn import lgssm_fit_em as lgssm_fit_em
from catlearn.probability.statespace.kalman_learn import lgssm_fit_gradient as lgssm_fit_gradient

__all__ = [
    "HMM",
    "LGSSM",
    "GaussianHMM",
    "HMMFiltered",
    "HMMFit",
    "HMMPrediction",
    "HMMSmoothed",
    "HMMViterbi",
    "KalmanFiltered",
    "KalmanPrediction",
    "KalmanSmoothed",
    "LGSSMFit",
    "PoissonHMM",
    "hmm_filter",
    "hmm_fit_em",
    "hmm_fit_gradient",
    "hmm_log_likelihood",
    "hmm_predict",
    "hmm_sample",
    "hmm_smoother",
    "hmm_viterbi",
    "kalman_filter",
    "kalman_log_likelihood",
    "kalman_predict",
    "lgssm_fit_em",
    "lgssm_fit_gradient",
    "lgssm_sample",
    "rts_smoother",
]
