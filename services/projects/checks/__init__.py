"""Assets' checks reported from phones: the yearly check (核查清算) or an upkeep inspection (管护巡查), with
photo references, sent offline and kept once by the phone's UUID."""
