"""The log of study, training and publicity sessions (学习/培训/宣传) and their attendance (人次): 篇4's
"18 sessions, 600余人次" comes from it."""
