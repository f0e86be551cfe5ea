// Starts GOV.UK Frontend and MOJ Frontend components, configured by data-module attributes.
import { initAll as initGovuk } from '../vendor/govuk-frontend.min.js'
import { initAll as initMoj } from '../vendor/moj-frontend.min.js'

initGovuk()
initMoj()
