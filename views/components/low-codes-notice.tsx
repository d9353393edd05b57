/** The challenge page's warning that the user is about to run out of backup codes. */

export interface LowCodesNoticeProps {
  prefix: string;
  codesLeft: number;
  /** `factors.backup_codes.low_threshold`: the notice shows at or below it. */
  lowThreshold: number;
}

export function LowCodesNotice(props: LowCodesNoticeProps) {
  const { codesLeft } = props;
  if (codesLeft > props.lowThreshold) return null;
  const left = codesLeft === 0 ? 'no backup codes' : codesLeft === 1 ? '1 backup code' : `${codesLeft} backup codes`;
  return (
    <p class="warning" role="status" data-low-codes={String(codesLeft)}>
      You have {left} left. Generate a new set from your <a href={`${props.prefix}/account`}>account page</a>.
    </p>
  );
}
