/** Traffic Light Protocol 2.0 (FIRST), the labels in the MISP `tlp` taxonomy. */
export const TLP_LABELS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER+STRICT', 'RED'] as const;
export type Tlp = (typeof TLP_LABELS)[number];

/** Ordered from least to most restrictive. */
export const tlpRank = (tlp: Tlp): number => TLP_LABELS.indexOf(tlp);

/** The more restrictive of two labels: what a combination of both must carry. */
export const stricterTlp = (a: Tlp, b: Tlp): Tlp => (tlpRank(a) >= tlpRank(b) ? a : b);

/** Machine tag as in the MISP taxonomy (`tlp:amber+strict`). */
export const tlpMachineTag = (tlp: Tlp): string => `tlp:${tlp.toLowerCase()}`;
