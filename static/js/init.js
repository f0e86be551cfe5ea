// GOV.UK Frontend's body-class snippet, served as a file so the CSP needs no inline script.
document.body.className += ' js-enabled' + ('noModule' in HTMLScriptElement.prototype ? ' govuk-frontend-supported' : '');
