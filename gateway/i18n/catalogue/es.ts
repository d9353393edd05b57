import type { Catalogue } from './types.js';

/** es: every user-facing message (test/unit/i18n-catalogue.test.ts keeps it complete). */
export const es: Catalogue = {
  "Sign in": "Iniciar sesión",
  "Skip to content": "Saltar al contenido",
  "Dashboard": "Panel",
  "Sign out": "Cerrar sesión",
  "Language": "Idioma",
  "Email or username": "Correo electrónico o nombre de usuario",
  "Email": "Correo electrónico",
  "Password": "Contraseña",
  "Can't sign in?": "¿No puede iniciar sesión?",
  "Have a recovery code?": "¿Tiene un código de recuperación?",
  "You are signed out.": "Ha cerrado la sesión.",
  "Your password is set. Sign in with it now.": "Su contraseña está establecida. Inicie sesión con ella ahora.",
  "Your password is set. Sign in with it now; then set up your second factor.": "Su contraseña está establecida. Inicie sesión con ella ahora y luego configure su segundo factor.",
  "Incorrect email or password.": "Correo electrónico o contraseña incorrectos.",
  "Enter your email and password.": "Introduzca su correo electrónico y su contraseña.",
  "Too many sign-ins at this moment. Try again in a few seconds.": "Demasiados inicios de sesión en este momento. Vuelva a intentarlo en unos segundos.",
  "Sign-in is unavailable: your organisation's directory cannot be reached. Try again in a few minutes.": "El inicio de sesión no está disponible: no se puede acceder al directorio de su organización. Vuelva a intentarlo en unos minutos.",
  "Too many failed sign-in attempts. Try again in {{count}} minutes._one": "Demasiados intentos fallidos de inicio de sesión. Vuelva a intentarlo en {{count}} minuto.",
  "Too many failed sign-in attempts. Try again in {{count}} minutes._other": "Demasiados intentos fallidos de inicio de sesión. Vuelva a intentarlo en {{count}} minutos.",
  "Too many failed sign-in attempts. Try again in {{count}} minutes._many": "Demasiados intentos fallidos de inicio de sesión. Vuelva a intentarlo en {{count}} minutos.",
};
