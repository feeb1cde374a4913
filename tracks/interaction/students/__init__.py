"""Students: tiny GPT-2 policies and the reference-game model, and how they learn."""
