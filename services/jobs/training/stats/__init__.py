"""Training statistics (培训统计) of an area on a date: ``router`` → ``service`` → the rollups
(``services.jobs.shared.figures``) and the courses' titles (``training.repository``), answers in
``schemas``."""
