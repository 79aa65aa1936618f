/** What the memory is for: serving, or one of the fine-tuning recipes. */
export const MODES = ['inference', 'full', 'lora', 'qlora'] as const;
export type Mode = (typeof MODES)[number];
