/**
 * French strings: a complete second language, and the example to copy for another one.
 * Use it for one element (`el.strings = frenchStrings`) or the whole page
 * (`setDefaultStrings(frenchStrings)`).
 */
import type { ChatFilesStrings } from './strings.js';

const who = (names: string[]) =>
  names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} ou ${names.at(-1)}`;

/** The elements' strings in French. */
export const frenchStrings: ChatFilesStrings = {
  locale: 'fr',
  attach: 'Joindre des fichiers',
  attachLabel: 'Joindre des fichiers à partager dans ce salon',
  dropHere: 'Déposez des fichiers pour les partager',
  preparing: 'Préparation…',
  uploading: 'Partage…',
  shared: 'Partagé',
  sharedName: (name) => `${name} partagé`,
  cancel: 'Annuler',
  dismiss: 'Fermer',
  pickAgain: (name) =>
    `L'envoi de ${name} n'est pas terminé. Choisissez-le à nouveau pour envoyer la suite.`,
  pickAgainButton: 'Choisir le fichier',
  tooLarge: (name, max) => `${name} est trop volumineux : ${max} au maximum.`,
  typeNotAllowed: (name, type) =>
    `${name} ne peut pas être partagé : les fichiers de type ${type || 'inconnu'} ne sont pas acceptés.`,
  download: 'Télécharger',
  downloadLabel: (name) => `Télécharger ${name}`,
  save: 'Enregistrer',
  saveLabel: (name) => `Enregistrer ${name} sur le disque`,
  open: 'Ouvrir',
  openLabel: (name) => `Ouvrir ${name} dans un nouvel onglet`,
  showPreview: 'Aperçu',
  hidePreview: "Masquer l'aperçu",
  retry: 'Réessayer',
  retryLabel: (name) => `Réessayer de télécharger ${name}`,
  stateAvailable: 'Prêt à télécharger',
  stateConnecting: 'Connexion…',
  stateWaiting: (names) =>
    names.length === 0
      ? "En attente de quelqu'un qui l'a"
      : `En attente de la connexion de ${who(names)}`,
  waitingFor: (elapsed) => `attente : ${elapsed} ; démarre tout seul`,
  stateTransferring: (progress) => `Téléchargement ${progress} %`,
  stateUploading: (progress) => `Envoi ${progress} %`,
  stateComplete: 'Téléchargé',
  stateLocal: 'Sur cet appareil',
  stateSharedLocal: 'Partagé · Sur cet appareil',
  stateSharedByYou: 'Partagé par vous',
  stateError: 'Échec du téléchargement',
  stateUnavailable: "Ce fichier n'est plus disponible",
  stateRevoked: 'Révoqué',
  via: (transport) => `via ${transport}`,
  transportNames: {
    memory: 'cet onglet',
    cache: 'cet appareil',
    webrtc: 'pair-à-pair',
    relay: 'relais',
    server: 'serveur',
    federated: "serveur d'origine",
    swarm: 'plusieurs sources',
  },
  bytesOf: (done, total) => `${done} sur ${total}`,
  perSecond: (bytes) => `${bytes}/s`,
  timeLeft: (duration) => `encore ${duration}`,
  sources: (count) => (count === 1 ? '1 source' : `${count} sources`),
  announceStarted: (name) => `Téléchargement de ${name}`,
  announceProgress: (name, progress) => `${name} : ${progress} %`,
  announceComplete: (name) => `${name} téléchargé`,
  announceWaiting: (name) => `${name} attend un appareil qui l'a`,
  announceShared: (name) => `${name} partagé`,
  errorText: (code, message) => {
    switch (code) {
      case 'ERR_UNAVAILABLE':
        return "Personne qui a ce fichier n'est en ligne. Réessayez quand l'expéditeur sera revenu.";
      case 'ERR_NETWORK':
      case 'ERR_TIMEOUT':
        return 'La connexion a été coupée. Vérifiez le réseau, puis réessayez.';
      case 'ERR_INTEGRITY':
      case 'ERR_PROTOCOL':
        return 'Le fichier est arrivé endommagé et a été écarté. Réessayez.';
      case 'ERR_QUOTA_EXCEEDED':
        return 'Votre espace sur le serveur est plein. Libérez-en, puis réessayez.';
      case 'ERR_STORAGE_FULL':
        return "Ce navigateur n'a plus de place pour les téléchargements. Libérez de l'espace, puis réessayez.";
      case 'ERR_NOT_MEMBER':
      case 'ERR_FORBIDDEN':
        return "Vous n'avez pas accès à ce fichier (êtes-vous toujours dans le salon ?).";
      case 'ERR_UNAUTHENTICATED':
        return 'Vous êtes déconnecté. Reconnectez-vous, puis réessayez.';
      case 'ERR_RATE_LIMITED':
        return 'Trop de demandes. Patientez un instant, puis réessayez.';
      case 'ERR_WORKER':
        return "Ce navigateur n'a pas pu stocker le fichier. Libérez de la place, puis réessayez.";
      case 'ERR_DESTROYED':
        return 'La page a été fermée pendant le téléchargement. Réessayez.';
      default:
        return message ? `${message} Réessayez.` : "Une erreur s'est produite. Réessayez.";
    }
  },
  progressLabel: (name) => `Transfert de ${name}`,
  serverNotStored: 'Pas sur le serveur',
  serverCachedUntil: (when) => `Sur le serveur jusqu'au ${when}`,
  serverCached: 'Sur le serveur',
  serverStored: 'Conservé sur le serveur',
  serverKeptByOthers: "Conservé sur le serveur par d'autres membres",
  storePermanently: 'Conserver sur le serveur',
  storeHint:
    'Garde la copie du serveur aussi longtemps que vous voulez ; elle compte dans votre espace.',
  removeFromServer: 'Ne plus conserver',
  removeHint:
    "Libère votre espace. La copie reste sur le serveur tant que d'autres la conservent ou jusqu'à son expiration.",
  deleteFromServer: 'Supprimer du serveur',
  deleteConfirmTitle: 'Supprimer la copie du serveur ?',
  deleteConfirmBody: (name) =>
    `${name} sera supprimé du serveur pour tout le salon. Ceux qui ne l'ont pas téléchargé ne pourront l'obtenir que d'un appareil qui l'a.`,
  deleteConfirm: 'Supprimer pour tous',
  revoke: 'Arrêter le partage',
  revokeConfirm: 'Arrêter de partager ce fichier partout ?',
  revokeConfirmBody: (name) =>
    `Plus personne ne pourra télécharger ${name}, et sa carte indiquera qu'il n'est plus disponible.`,
  menuLabel: "Plus d'actions",
  previewUnsupported: "Pas d'aperçu pour ce type de fichier.",
  previewFailed: 'Ce fichier ne peut pas être affiché ici.',
  textTruncated: '… (aperçu raccourci)',
  showMore: 'Afficher plus',
  showLess: 'Afficher moins',
  duration: (value) => value,
  pages: (count) => (count === 1 ? '1 page' : `${count} pages`),
  sharedBy: (sender) => `Partagé par ${sender}`,
  lightboxLabel: 'Images',
  lightboxClose: 'Fermer',
  lightboxPrevious: 'Image précédente',
  lightboxNext: 'Image suivante',
  lightboxPosition: (index, count) => `${index} sur ${count}`,
  filesTitle: 'Fichiers',
  search: 'Rechercher des fichiers',
  allRooms: 'Tous les salons',
  deletedRooms: 'Salons supprimés',
  savedOnServer: 'Conservés sur le serveur',
  gridView: 'Grille',
  listView: 'Liste',
  noFiles: 'Aucun fichier pour le moment.',
  noMatches: 'Aucun fichier ne correspond à ces filtres.',
  loading: 'Chargement…',
  typeImage: 'Images',
  typeVideo: 'Vidéo',
  typeAudio: 'Audio',
  typeDocument: 'Documents',
  typeOther: 'Autres',
  filterByType: 'Filtrer par type',
  layout: 'Disposition',
  columnName: 'Nom',
  columnSize: 'Taille',
  columnType: 'Type',
  columnSender: 'Expéditeur',
  columnRoom: 'Salon',
  columnDate: 'Date',
  columnServer: 'Copie serveur',
  columnActions: 'Actions',
  sortBy: (column) => `Trier par ${column}`,
  storageUsed: (used, limit, tier) => `${used} utilisés sur ${limit} (${tier})`,
  storageLabel: 'Espace sur le serveur',
  serverStatusKept: 'Conservé',
  serverStatusNone: '—',
  serverStatusCached: 'Oui',
  serverStatusUntil: (when) => `Jusqu'au ${when}`,
  remove: 'Retirer',
  removeLabel: (name) => `Retirer ${name} de votre espace sur le serveur`,
  fileCount: (count) => (count <= 1 ? `${count} fichier` : `${count} fichiers`),
};
