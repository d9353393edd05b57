import type { Catalogue } from './types.js';

/** fr: every user-facing message (test/unit/i18n-catalogue.test.ts keeps it complete). */
export const fr: Catalogue = {
  "Sign in": "Se connecter",
  "Skip to content": "Aller au contenu",
  "Dashboard": "Tableau de bord",
  "Sign out": "Se déconnecter",
  "Language": "Langue",
  "Email or username": "E-mail ou nom d'utilisateur",
  "Email": "E-mail",
  "Password": "Mot de passe",
  "Can't sign in?": "Impossible de vous connecter ?",
  "Have a recovery code?": "Vous avez un code de récupération ?",
  "You are signed out.": "Vous êtes déconnecté.",
  "Your password is set. Sign in with it now.": "Votre mot de passe est défini. Connectez-vous maintenant avec celui-ci.",
  "Your password is set. Sign in with it now; then set up your second factor.": "Votre mot de passe est défini. Connectez-vous maintenant avec celui-ci, puis configurez votre second facteur.",
  "Incorrect email or password.": "E-mail ou mot de passe incorrect.",
  "Enter your email and password.": "Saisissez votre e-mail et votre mot de passe.",
  "Too many sign-ins at this moment. Try again in a few seconds.": "Trop de connexions en ce moment. Réessayez dans quelques secondes.",
  "Sign-in is unavailable: your organisation's directory cannot be reached. Try again in a few minutes.": "La connexion est indisponible : l'annuaire de votre organisation est injoignable. Réessayez dans quelques minutes.",
  "Too many failed sign-in attempts. Try again in {{count}} minutes._one": "Trop de tentatives de connexion échouées. Réessayez dans {{count}} minute.",
  "Too many failed sign-in attempts. Try again in {{count}} minutes._other": "Trop de tentatives de connexion échouées. Réessayez dans {{count}} minutes.",
  "Too many failed sign-in attempts. Try again in {{count}} minutes._many": "Trop de tentatives de connexion échouées. Réessayez dans {{count}} minutes.",
};
