import type { Catalogue } from './types.js';

/** de: every user-facing message (test/unit/i18n-catalogue.test.ts keeps it complete). */
export const de: Catalogue = {
  "Sign in": "Anmelden",
  "Skip to content": "Zum Inhalt springen",
  "Dashboard": "Dashboard",
  "Sign out": "Abmelden",
  "Language": "Sprache",
  "Email or username": "E-Mail oder Benutzername",
  "Email": "E-Mail",
  "Password": "Passwort",
  "Can't sign in?": "Anmeldung klappt nicht?",
  "Have a recovery code?": "Sie haben einen Wiederherstellungscode?",
  "You are signed out.": "Sie sind abgemeldet.",
  "Your password is set. Sign in with it now.": "Ihr Passwort ist gesetzt. Melden Sie sich jetzt damit an.",
  "Your password is set. Sign in with it now; then set up your second factor.": "Ihr Passwort ist gesetzt. Melden Sie sich jetzt damit an und richten Sie dann Ihren zweiten Faktor ein.",
  "Incorrect email or password.": "E-Mail oder Passwort ist falsch.",
  "Enter your email and password.": "Geben Sie Ihre E-Mail-Adresse und Ihr Passwort ein.",
  "Too many sign-ins at this moment. Try again in a few seconds.": "Gerade melden sich zu viele an. Versuchen Sie es in ein paar Sekunden erneut.",
  "Sign-in is unavailable: your organisation's directory cannot be reached. Try again in a few minutes.": "Die Anmeldung ist nicht verfügbar: Das Verzeichnis Ihrer Organisation ist nicht erreichbar. Versuchen Sie es in ein paar Minuten erneut.",
  "Too many failed sign-in attempts. Try again in {{count}} minutes._one": "Zu viele fehlgeschlagene Anmeldeversuche. Versuchen Sie es in {{count}} Minute erneut.",
  "Too many failed sign-in attempts. Try again in {{count}} minutes._other": "Zu viele fehlgeschlagene Anmeldeversuche. Versuchen Sie es in {{count}} Minuten erneut.",
};
