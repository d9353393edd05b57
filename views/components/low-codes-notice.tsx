/** The challenge page's warning that the user is about to run out of backup codes. */
import { t } from '../i18n.js';

export interface LowCodesNoticeProps {
  prefix: string;
  codesLeft: number;
  /** `factors.backup_codes.low_threshold`: the notice shows at or below it. */
  lowThreshold: number;
}

export function LowCodesNotice(props: LowCodesNoticeProps) {
  const { codesLeft } = props;
  if (codesLeft > props.lowThreshold) return null;
  return (
    <p class="warning" role="status" data-low-codes={String(codesLeft)}>
      {codesLeft === 0 ? t('You have no backup codes left.') : t('You have {{count}} backup codes left.', { count: codesLeft })}{' '}
      <a href={`${props.prefix}/account`}>{t('Generate a new set from your account page.')}</a>
    </p>
  );
}
