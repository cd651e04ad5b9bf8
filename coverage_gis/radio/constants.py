"""Constants of the terrain computations, shared by :mod:`coverage_gis.radio.terrain` and its
compiled kernels (:mod:`coverage_gis.radio.kernels`). Nothing is imported here: the kernels'
ahead-of-time build (:mod:`coverage_gis.radio.compiled`) is current only while this file and the
kernels' own are the ones it was built from (it records their digest)."""

from __future__ import annotations

#: Effective earth-radius factor for median refractivity (ITU-R P.834-9 sect. 1; P.526-15 sect.
#: 1): the ray curvature of a standard atmosphere is modelled by straight rays over an earth of
#: radius k·R.
EFFECTIVE_EARTH_K = 4.0 / 3.0

#: Mean earth radius, m (the IUGG mean radius, rounded as in ITU-R P.834).
EARTH_RADIUS_M = 6_371_000.0

#: Speed of light in vacuum, m/s (wavelength = c / f).
SPEED_OF_LIGHT_M_S = 299_792_458.0

#: J(v) is 0 dB for v <= -0.78 (ITU-R P.526-15 eq. (31)).
KNIFE_EDGE_V_MIN = -0.78

#: Bullington's empirical correction (ITU-R P.1812-7 eq. (21); P.452-18 eq. (21)): the loss of
#: the equivalent knife edge Luc becomes ``Luc + (1 - exp(-Luc / 6)) (10 + 0.02 d)``, d in km.
BULLINGTON_DB = 10.0
BULLINGTON_DB_PER_KM = 0.02

#: The distances that bound the terrain averaged for the effective antenna height (ITU-R
#: P.1546-6 Annex 5 sect. 3.2: between 3 and 15 km for paths of 15 km or longer).
P1546_NEAR_M = 3000.0
P1546_FAR_M = 15000.0

#: Samples per block of the Fresnel-zone check of clear paths (the block's highest sample bounds
#: the v of the others): 16 was the fastest of 8, 16 and 32 at 10 m.
SWEEP_BLOCK = 16
