/** One renderer per message kind; each returns `{subject, text, html}` ready for an OutgoingEmail. */
export { escapeHtml, oneLine } from './escape.js';
export type { RenderedEmail } from './layout.js';
export { emailOtpEmail, type EmailOtpInput } from './email-otp.js';
export { backupCodeUsedEmail, type BackupCodeUsedInput } from './backup-code-used.js';
export { accessEmail, type AccessEmailInput } from './access-email.js';
export { passwordForgotEmail, type PasswordForgotInput } from './password-forgot.js';
export { directoryPasswordEmail } from './directory-password.js';
export { invitationEmail, type InvitationInput } from './invitation.js';
export { recoveryCodeEmail, type RecoveryCodeInput } from './recovery-code.js';
export { recoveryNoticeEmail, type RecoveryAction, type RecoveryNoticeInput } from './recovery-notice.js';
export {
  assistanceAlertEmail,
  type AssistanceAccount,
  type AssistanceAlertInput,
  type AssistanceContext,
  type AssistanceEvent,
} from './assistance-alert.js';
