"""Seeded stand-in data for the compendium: the survey, its Wenjuanxing export and the cases.

The real questionnaire responses and case tables are not public. Everything in
``data/raw`` except the codebook is produced by ``python -m analysis.simulate``
from documented, seeded models, with the truth written beside the data so that
tests can check that the analyses recover it.
"""

from analysis.simulate.survey import DEFECT_TYPES, SCREENED_DEFECTS, SurveyModel, simulate_survey
from analysis.simulate.wjx_export import wjx_frames, write_wjx_pair

__all__ = ["DEFECT_TYPES", "SCREENED_DEFECTS", "SurveyModel", "simulate_survey", "wjx_frames", "write_wjx_pair"]
