"""Tasks and rectification (任务/整改): items found by inspection tours, audits, self-checks, monitoring
warnings or a superior's letter, worked through with progress reports and closed (销号) one by one by a
reviewer one level up from whoever submitted them."""
