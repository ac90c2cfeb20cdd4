"""A support unit's report (定点帮扶单位工作报告, 篇3): what it did in its villages in a period."""
