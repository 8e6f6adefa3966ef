"""Published Bayesian networks, their tables typed in from the literature: each function
returns the ``(edges, cpts)`` of one network (build it with
:func:`~catlearn.probability.networks.bayesnet.sprinkler` and its siblings, which check a
classic answer of each).
"""

from __future__ import annotations

from catlearn.probability.networks.cpt import CPT

__all__ = ["Spec", "asia", "burglary", "sprinkler"]

Spec = tuple[list[tuple[str, str]], dict[str, CPT]]  #: edges (parent, child) and one CPT each


def sprinkler() -> Spec:
    """The sprinkler network (Russell & Norvig, *AIMA* 2nd ed. Fig. 14.12; Murphy's BNT)."""
    tf = ("F", "T")
    return (
        [
            ("Cloudy", "Sprinkler"),
            ("Cloudy", "Rain"),
            ("Sprinkler", "WetGrass"),
            ("Rain", "WetGrass"),
        ],
        {
            "Cloudy": CPT([0.5, 0.5], state_names=tf),
            "Sprinkler": CPT([[0.5, 0.9], [0.5, 0.1]], ["Cloudy"], tf),
            "Rain": CPT([[0.8, 0.2], [0.2, 0.8]], ["Cloudy"], tf),
            "WetGrass": CPT(
                [[1.0, 0.1, 0.1, 0.01], [0.0, 0.9, 0.9, 0.99]], ["Sprinkler", "Rain"], tf
            ),
        },
    )


def burglary() -> Spec:
    """The burglary network (Pearl 1988; Russell & Norvig Fig. 14.2)."""
    tf = ("F", "T")
    return (
        [
            ("Burglary", "Alarm"),
            ("Earthquake", "Alarm"),
            ("Alarm", "JohnCalls"),
            ("Alarm", "MaryCalls"),
        ],
        {
            "Burglary": CPT([0.999, 0.001], state_names=tf),
            "Earthquake": CPT([0.998, 0.002], state_names=tf),
            # columns (B, E) = (F,F), (F,T), (T,F), (T,T)
            "Alarm": CPT(
                [[0.999, 0.71, 0.06, 0.05], [0.001, 0.29, 0.94, 0.95]],
                ["Burglary", "Earthquake"],
                tf,
            ),
            "JohnCalls": CPT([[0.95, 0.10], [0.05, 0.90]], ["Alarm"], tf),
            "MaryCalls": CPT([[0.99, 0.30], [0.01, 0.70]], ["Alarm"], tf),
        },
    )


def asia() -> Spec:
    """The asia network (Lauritzen & Spiegelhalter 1988, bnlearn's tables)."""
    yn = ("yes", "no")
    return (
        [
            ("asia", "tub"),
            ("smoke", "lung"),
            ("smoke", "bronc"),
            ("tub", "either"),
            ("lung", "either"),
            ("either", "xray"),
            ("either", "dysp"),
            ("bronc", "dysp"),
        ],
        {
            "asia": CPT([0.01, 0.99], state_names=yn),
            "smoke": CPT([0.5, 0.5], state_names=yn),
            "tub": CPT([[0.05, 0.01], [0.95, 0.99]], ["asia"], yn),
            "lung": CPT([[0.1, 0.01], [0.9, 0.99]], ["smoke"], yn),
            "bronc": CPT([[0.6, 0.3], [0.4, 0.7]], ["smoke"], yn),
            # either = lung OR tub; columns (lung, tub) = (y,y), (y,n), (n,y), (n,n)
            "either": CPT([[1.0, 1.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]], ["lung", "tub"], yn),
            "xray": CPT([[0.98, 0.05], [0.02, 0.95]], ["either"], yn),
            # columns (bronc, either) = (y,y), (y,n), (n,y), (n,n)
            "dysp": CPT([[0.9, 0.8, 0.7, 0.1], [0.1, 0.2, 0.3, 0.9]], ["bronc", "either"], yn),
        },
    )
