// Starts GOV.UK Frontend and MOJ Frontend components, configured by data-module attributes.
import { createAll, initAll as initGovuk } from '../vendor/govuk-frontend.min.js'
import { FilterToggleButton, initAll as initMoj } from '../vendor/moj-frontend.min.js'

initGovuk()
initMoj()
// MOJ's initAll leaves out the filter's show / hide toggle, without which the filter panel of a
// work queue covers the whole of a small screen.
createAll(FilterToggleButton)
