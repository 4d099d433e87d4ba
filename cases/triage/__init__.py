"""天上看: reference layers (基本农田, 耕地, 红线, 批准用地 …), 卫片图斑 triage and the criminal-referral rules."""
