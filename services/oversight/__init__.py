"""The oversight service: the people doing the work in the villages — support units (帮扶单位), work
teams (驻村工作队) and their members, their days in the village (驻村考勤)
against the targets set for them."""

SCHEMA = "oversight"
